/**
 * The evidence of one scenario run: after each command, its printed output against AWS's
 * documented sample; after each check, the snapshot (printed output and SDK reads) against
 * the recording, or, with CONFORMANCE_RECORD=1, the recording itself.
 */
import type { CodeartifactClient } from '@aws-sdk/client-codeartifact';
import type { CliRun } from '../run/cli.ts';
import type { StepContext, TutorialStep } from '../../scenarios/types.ts';
import { compareWithDocumented, compareWithSnapshot, evidenceFailure, type Provenance, type StepEvidence } from './compare.ts';
import { readDivergences, readSnapshots, snapshotDir, writeSnapshotEntry, type SnapshotEntry } from './snapshots.ts';
import { normalise, sdkToJson, type Json, type NamesInOutput } from './transformers.ts';
import { InfrastructureError } from '../run/errors.ts';

export interface EvidenceTarget {
  kind: string;
  description: string;
  region: string;
}

export class EvidenceRecorder {
  private readonly recording: boolean;
  private readonly divergences;
  private readonly snapshots;
  /** SDK reads of the current step's check, by operation and repository. */
  private reads: Record<string, Json> = {};
  private current: { step: TutorialStep; evidence: StepEvidence; output?: Json } | undefined;

  constructor(
    private readonly scenario: string,
    private readonly target: EvidenceTarget,
    client: CodeartifactClient,
    private readonly domain: string,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.recording = env.CONFORMANCE_RECORD === '1';
    if (this.recording && target.kind === 'emulator') {
      throw new InfrastructureError(
        'CONFORMANCE_RECORD=1 records what a real service answers, but the target is the embedded emulator',
        'Record on AWS (CONFORMANCE_TARGET=aws), or on a running service (CONFORMANCE_TARGET=endpoint); unset CONFORMANCE_RECORD otherwise.',
      );
    }
    this.divergences = readDivergences(snapshotDir(env));
    this.snapshots = readSnapshots(scenario, snapshotDir(env));
    // Only reads about the run's own domain: a list of every domain in an account is not the tutorial's evidence.
    client.middlewareStack.add(
      (next, context) => async (args) => {
        const result = await next(args);
        const input = args.input as { domain?: string; repository?: string };
        if (input.domain === this.domain && context.commandName) {
          const key = `${context.commandName.replace(/Command$/, '')}${input.repository ? ` ${input.repository}` : ''}`;
          this.reads[key] = sdkToJson(result.output);
        }
        return result;
      },
      { step: 'initialize', name: 'conformanceEvidence' },
    );
  }

  private names(step: TutorialStep, ctx: StepContext): NamesInOutput {
    const subject = step.documentedOutput?.subject;
    return {
      domain: ctx.names.domain,
      account: ctx.account,
      region: ctx.region,
      ...(subject ? { repository: ctx.names[subject] } : {}),
      secrets: ctx.secrets,
    };
  }

  /** The printed output against AWS's documentation (and a recorded snapshot); the failure in words, if any. */
  afterCommand(step: TutorialStep, run: CliRun, ctx: StepContext): { evidence?: StepEvidence; failure?: string } {
    this.reads = {};
    this.current = undefined;
    const doc = step.documentedOutput;
    if (!doc) return {};
    const names = this.names(step, ctx);
    const evidence = compareWithDocumented(doc, run.stdout, names, this.divergences, step.id, this.target.kind);
    const recorded = this.snapshots.steps[step.id];
    if (!this.recording && recorded && recorded.provenance.kind !== 'aws-documented' && recorded.output !== undefined) {
      evidence.snapshot = {
        provenance: recorded.provenance,
        ...compareWithSnapshot({ output: recorded.output }, { output: evidence.actual! }, this.divergences, step.id, this.target.kind),
      };
    }
    this.current = { step, evidence, ...(evidence.actual !== undefined ? { output: evidence.actual } : {}) };
    return { evidence, ...(evidenceFailure(evidence) ? { failure: evidenceFailure(evidence)! } : {}) };
  }

  /** After the state check: the SDK reads against the recording, or recorded. */
  afterCheck(step: TutorialStep, ctx: StepContext): string | undefined {
    const reads = normalise(this.reads, {
      domain: ctx.names.domain,
      account: ctx.account,
      region: ctx.region,
      secrets: ctx.secrets,
    }) as Record<string, Json>;
    const current = this.current?.step === step ? this.current : undefined;
    if (this.recording) {
      const provenance: Provenance =
        this.target.kind === 'aws'
          ? { kind: 'aws-recorded', date: today(), region: this.target.region, awsCli: ctx.memory.awsCliVersion ?? 'unknown' }
          : {
              kind: 'emulator',
              date: today(),
              region: this.target.region,
              awsCli: ctx.memory.awsCliVersion ?? 'unknown',
              target: this.target.description,
            };
      const entry: SnapshotEntry = {
        provenance,
        ...(current?.output !== undefined ? { output: current.output } : {}),
        ...(Object.keys(reads).length ? { sdk: reads } : {}),
      };
      writeSnapshotEntry(this.scenario, step.id, entry, snapshotDir());
      return undefined;
    }
    const recorded = this.snapshots.steps[step.id];
    if (!recorded?.sdk || recorded.provenance.kind === 'aws-documented') return undefined;
    const result = compareWithSnapshot({ sdk: recorded.sdk }, { sdk: reads }, this.divergences, step.id, this.target.kind);
    if (current) {
      const snap = (current.evidence.snapshot ??= { provenance: recorded.provenance, differences: [], declared: [] });
      snap.differences.push(...result.differences);
      snap.declared.push(...result.declared);
      return result.differences.length
        ? evidenceFailure({ ...current.evidence, differences: [], snapshot: { ...snap, differences: result.differences } })
        : undefined;
    }
    return result.differences.length
      ? evidenceFailure({
          expectation: recorded.provenance,
          differences: [],
          declared: [],
          undocumented: [],
          snapshot: { provenance: recorded.provenance, ...result },
        })
      : undefined;
  }
}

function today(): string {
  return new Date().toISOString().slice(0, 10);
}
