/**
 * Starts the project's emulator as a separate process, exactly as a user would with
 * `npm run emulator`, and stops it. Harness code reaches the emulator only through the wire.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /^CodeArtifact emulator listening on (http:\/\/\S+)$/m;

export interface EmulatorProcess {
  url: string;
  child: ChildProcess;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function startEmulatorProcess(args: string[] = [], timeoutMs = 60_000): Promise<EmulatorProcess> {
  // Its own process group: a Ctrl-C in the terminal reaches the harness, which still needs
  // the emulator to undo what the run created. It stops when we close its stdin, which also
  // happens when this process dies, so it never outlives the harness.
  const child = spawn(process.execPath, ['--import', 'tsx', 'emulator/main.ts', '--port', '0', '--exit-with-stdin', ...args], {
    cwd: ROOT,
    stdio: ['pipe', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  let err = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The emulator did not print its ready line within ${timeoutMs} ms. stderr:\n${err}`));
    }, timeoutMs);
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const m = READY.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`The emulator exited with code ${code} before it was ready. stderr:\n${err}`));
    });
  });
  return {
    url,
    child,
    stderr: () => err,
    async stop(signal: NodeJS.Signals = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      const exited = once(child, 'exit');
      child.kill(signal);
      const [code] = (await exited) as [number | null];
      return code;
    },
  };
}
