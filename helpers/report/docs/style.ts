/** The page's stylesheet (inline: the page is one self-contained file). */
export const CSS = `
:root { --text:#1f2937; --muted:#6b7280; --line:#e5e7eb; --bg:#f8fafc; --card:#fff;
  --pass:#166534; --pass-bg:#dcfce7; --fail:#b91c1c; --fail-bg:#fee2e2; --skip:#4b5563; --skip-bg:#f1f5f9;
  --known:#92400e; --known-bg:#fef3c7; }
* { box-sizing: border-box; }
body { margin:0; background:var(--bg); color:var(--text); font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif; }
main { max-width:1040px; margin:0 auto; padding:32px 24px 64px; }
h1 { font-size:28px; line-height:1.25; margin:0 0 4px; }
h2 { font-size:21px; margin:0; }
h3 { font-size:16px; margin:24px 0 8px; }
h3.group { font-size:13px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); margin:22px 0 8px; }
code, pre { font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,"Liberation Mono",monospace; font-size:13px; }
p { margin:6px 0; }
.muted { color:var(--muted); }
.subtitle { color:var(--muted); margin:0 0 20px; font-size:17px; }
.meta { display:grid; grid-template-columns:max-content 1fr; gap:4px 18px; margin:0 0 24px; padding:14px 18px; background:var(--card); border:1px solid var(--line); border-radius:10px; }
.meta dt { color:var(--muted); }
.meta dd { margin:0; overflow-wrap:anywhere; }
.meta .note { color:var(--muted); font-size:14px; }
.verdict { border-radius:12px; padding:18px 22px; margin:0 0 28px; border:1px solid; }
.verdict.ok { background:var(--pass-bg); border-color:#86efac; color:var(--pass); }
.verdict.problem { background:var(--fail-bg); border-color:#fca5a5; color:var(--fail); }
.verdict.no-verdict { background:var(--skip-bg); border-color:#cbd5e1; color:var(--skip); }
.faults, .partial { background:var(--known-bg); color:var(--known); border:1px solid #fcd34d; border-radius:10px; padding:10px 16px; margin:0 0 16px; }
.step.infra { border-left-color:#64748b; }
.status.infra { color:var(--skip); background:var(--skip-bg); border:1px solid #94a3b8; }
.outcome.infra { color:var(--skip); }
.cleanup { margin:10px 0 0; font-size:15px; }
.cleanup.ok { color:var(--pass); }
.verdict .verdict-label { font-size:13px; text-transform:uppercase; letter-spacing:.06em; font-weight:600; opacity:.85; }
.verdict .headline { font-size:23px; font-weight:650; line-height:1.3; margin:4px 0 0; }
.verdict ul { margin:10px 0 0; padding-left:20px; color:var(--text); }
.overview { width:100%; border-collapse:collapse; margin:0 0 32px; background:var(--card); border:1px solid var(--line); border-radius:10px; overflow:hidden; }
.overview th, .overview td { text-align:left; padding:10px 14px; border-bottom:1px solid var(--line); }
.overview th { font-size:13px; color:var(--muted); font-weight:600; background:#f9fafb; }
.overview tr:last-child td { border-bottom:0; }
.overview a { color:inherit; }
.nothing-followed { background:var(--card); border:1px solid var(--line); border-left:5px solid #94a3b8; border-radius:10px; padding:12px 18px; margin:0 0 32px; }
.nothing-followed ul { margin:6px 0 0; padding-left:20px; }
.nothing-followed .fix { display:block; color:var(--muted); font-size:15px; }
section { margin:0 0 36px; }
.scenario-description { margin:6px 0 0; font-size:15px; }
.scenario-head { display:flex; flex-wrap:wrap; align-items:baseline; justify-content:space-between; gap:8px 16px; border-bottom:2px solid var(--line); padding-bottom:8px; margin-bottom:4px; }
.cell { font-weight:400; color:var(--muted); font-size:16px; }
.outcome { font-weight:600; font-size:15px; }
.outcome.passed { color:var(--pass); } .outcome.failed { color:var(--fail); } .outcome.known { color:var(--known); }
ol.steps { list-style:none; margin:0; padding:0; }
.step { background:var(--card); border:1px solid var(--line); border-left:5px solid var(--pass); border-radius:8px; padding:10px 16px 10px; margin:0 0 8px; }
.step.failed { border-left-color:var(--fail); box-shadow:0 0 0 1px #fca5a5; }
.step.skipped { border-left-color:#cbd5e1; background:#fbfcfd; }
.step.skipped .step-title { color:var(--muted); }
.step.known { border-left-color:#f59e0b; }
.step-head { display:flex; justify-content:space-between; align-items:flex-start; gap:16px; }
.step-number { font-size:12px; text-transform:uppercase; letter-spacing:.06em; color:var(--muted); font-weight:600; }
.step-title { margin:0; font-size:16px; font-weight:600; line-height:1.35; }
.step-result { display:flex; align-items:center; gap:10px; white-space:nowrap; }
.status { display:inline-block; font-size:13px; font-weight:600; padding:2px 10px; border-radius:999px; }
.status.passed { color:var(--pass); background:var(--pass-bg); }
.status.failed { color:var(--fail); background:var(--fail-bg); }
.status.skipped { color:var(--skip); background:var(--skip-bg); border:1px solid #e2e8f0; }
.status.known { color:var(--known); background:var(--known-bg); }
.duration { color:var(--muted); font-size:13px; min-width:48px; text-align:right; }
.commands { display:grid; grid-template-columns:1fr 1fr; gap:10px; margin:8px 0 2px; }
.command { min-width:0; }
.command code { display:block; background:#f3f4f6; border:1px solid var(--line); border-radius:6px; padding:7px 10px; white-space:pre-wrap; overflow-wrap:anywhere; }
.command .none { margin:0; padding:7px 10px; color:var(--muted); font-style:italic; font-size:14px; border:1px dashed #d1d5db; border-radius:6px; }
.caption { font-size:12px; color:var(--muted); text-transform:uppercase; letter-spacing:.05em; margin-bottom:3px; }
.caption-inline { color:var(--muted); }
.retries { font-size:14px; margin:4px 0 0; padding-left:0; list-style:none; }
.checked { font-size:14px; overflow-wrap:anywhere; margin:4px 0 0; }
.explain { background:var(--fail-bg); border-radius:6px; padding:10px 14px; margin:10px 0; color:#450a0a; }
.step.known .explain { background:var(--known-bg); color:#451a03; }
.explain-main { font-size:16px; }
details.fold { margin:4px 0 0; }
details.fold > summary { cursor:pointer; color:#374151; font-size:14px; }
details.fold pre { background:#111827; color:#e5e7eb; padding:12px 14px; border-radius:6px; overflow:auto; max-height:420px; white-space:pre-wrap; overflow-wrap:anywhere; margin:6px 0 0; }
.figures { display:flex; flex-wrap:wrap; gap:14px; margin:14px 0; }
.figure { background:var(--card); border:1px solid var(--line); border-radius:10px; padding:12px 18px; min-width:220px; }
.figure-value { font-size:28px; font-weight:700; line-height:1.2; }
.figure-value.none { color:var(--muted); font-size:22px; font-weight:600; line-height:1.5; }
.figure-label { color:var(--muted); font-size:14px; }
svg.chart { display:block; max-width:760px; background:var(--card); border:1px solid var(--line); border-radius:10px; padding:8px; margin:8px 0; }
svg .tick { font-size:12px; fill:#6b7280; }
svg .tick.current { font-weight:700; fill:#111827; }
svg .label { font-size:14px; fill:#1f2937; }
svg .value { font-size:14px; font-weight:600; fill:#1f2937; }
svg .missing { font-size:14px; fill:#6b7280; font-style:italic; }
svg .axis-title { font-size:12px; fill:#9ca3af; }
.legend { display:flex; gap:18px; font-size:14px; color:var(--muted); }
.legend i { display:inline-block; width:12px; height:12px; border-radius:50%; margin-right:6px; vertical-align:-1px; }
.legend i.hollow { border:2px solid #6b7280; background:#fff; }
table.history { border-collapse:collapse; margin-top:8px; font-size:14px; background:var(--card); }
table.history th, table.history td { border-bottom:1px solid var(--line); padding:5px 10px; text-align:left; }
ul.changes { list-style:none; padding:0; }
.change { background:var(--card); border:1px solid var(--line); border-left:5px solid #f59e0b; border-radius:8px; padding:10px 16px; margin:0 0 10px; }
.kind { font-size:13px; font-weight:600; padding:2px 10px; border-radius:999px; background:var(--known-bg); color:var(--known); }
.change-step { font-weight:600; margin-left:6px; }
.drift-none { color:var(--pass); font-weight:600; }
.links ul { padding-left:20px; }
footer { color:var(--muted); font-size:13px; border-top:1px solid var(--line); padding-top:14px; }
@media (max-width:720px) { .commands { grid-template-columns:1fr; } .step-head { flex-direction:column; gap:6px; } }
@media print { details.fold { display:none; } body { background:#fff; } }
`;
