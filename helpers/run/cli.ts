/**
 * Runs a real command-line tool (aws, npm, ...) with execa and records what happened: argv,
 * exit code, stdout, stderr, duration. Never throws on a non-zero exit: callers decide what
 * a failure means. The fields hold the raw output (a step may need the token a command
 * printed); `transcript()` is the redacted form, the only one that may be recorded.
 */
import { execa } from 'execa';
import { redact } from './redact.ts';

export interface CliRun {
  command: string;
  args: string[];
  exitCode: number;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** The command did not start (ENOENT: no such binary; EACCES: not executable): the harness's problem, not the tutorial's. */
  startError?: string;
  /** The harness gave up on it after its timeout. */
  timedOut?: boolean;
  /** The signal that ended it (Ctrl-C reaches the CLIs too). */
  signal?: string;
  /** The run as a person would read it: the command line, then output. Redacted. */
  transcript(moreSecrets?: readonly string[]): string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  /** Start from an empty environment plus `env` (the sandbox's), not the caller's. */
  isolatedEnv?: boolean;
  cwd?: string;
  timeoutMs?: number;
  secrets?: readonly string[];
  input?: string;
  /**
   * Stops the command (SIGTERM, then SIGKILL after 5 s) when aborted: its run then ends with
   * that signal. Aborted already: the command is not started, and its run ends as if stopped.
   */
  cancelSignal?: AbortSignal;
}

export async function runCli(command: string, args: string[], options: RunOptions = {}): Promise<CliRun> {
  const started = performance.now();
  const stoppedBefore = options.cancelSignal?.aborted === true;
  const result = stoppedBefore
    ? {
        exitCode: undefined,
        stdout: '',
        stderr: '[not started: the run was stopped]',
        timedOut: false,
        isCanceled: true,
        signal: 'SIGTERM',
      }
    : await execa(command, args, {
        reject: false,
        all: false,
        env: options.env ?? {},
        extendEnv: !options.isolatedEnv,
        ...(options.cwd !== undefined ? { cwd: options.cwd } : {}),
        timeout: options.timeoutMs ?? 120_000,
        ...(options.input !== undefined ? { input: options.input } : { stdin: 'ignore' }),
        ...(options.cancelSignal ? { cancelSignal: options.cancelSignal } : {}),
        stripFinalNewline: false,
      });
  const durationMs = Math.round(performance.now() - started);
  const secrets = options.secrets ?? [];
  const text = (s: unknown) => (typeof s === 'string' ? s : '');
  const run: CliRun = {
    command,
    args,
    exitCode: result.exitCode ?? (result.timedOut ? 124 : 1),
    stdout: text(result.stdout),
    stderr: text(result.stderr) + (result.timedOut ? `\n[timed out after ${options.timeoutMs ?? 120_000} ms]` : ''),
    durationMs,
    // A spawn error's code (ENOENT, EACCES); not a cancelled run's (its DOMException code is a number).
    ...(result.exitCode === undefined && !result.timedOut && !result.isCanceled && typeof (result as { code?: unknown }).code === 'string'
      ? { startError: (result as { code?: string }).code! }
      : {}),
    ...(result.timedOut ? { timedOut: true } : {}),
    ...(result.signal && !result.timedOut ? { signal: result.signal } : {}),
    transcript(moreSecrets = []) {
      const raw = `$ ${[command, ...this.args].map(shellQuote).join(' ')}\n[exit ${this.exitCode}, ${durationMs} ms]\n${this.stdout}${this.stderr ? `\n--- stderr ---\n${this.stderr}` : ''}`;
      return redact(raw, [...secrets, ...moreSecrets]);
    },
  };
  return run;
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}
