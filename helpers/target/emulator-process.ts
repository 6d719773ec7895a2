/**
 * Starts the project's emulator as a separate process, with the arguments a user gives
 * `npm run emulator`, and stops it. Harness code reaches the emulator only through the wire.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const READY = /^CodeArtifact emulator listening on (http:\/\/\S+)$/m;
const ENTRY = 'emulator/main.ts';

/**
 * The emulator's sources as one JavaScript file, bundled (by esbuild, which tsx brings along)
 * into the git-ignored .cache/emulator/, named by a hash of the sources so that an edit makes a
 * new one. Starting it costs half the CPU of `node --import tsx`, which loads tsx and reads its
 * transpile cache on every start, and a test run starts the emulator some hundred times. Its
 * dependencies stay external, resolved from the project's node_modules as under tsx. Undefined
 * (and tsx runs the sources) where it cannot be built: no esbuild, a read-only checkout.
 */
let bundled: Promise<string | undefined> | undefined;
export function emulatorBundle(): Promise<string | undefined> {
  bundled ??= buildBundle().catch(() => undefined);
  return bundled;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []))
    .sort();
}

async function buildBundle(): Promise<string | undefined> {
  const hash = createHash('sha256');
  for (const file of sourceFiles('emulator'))
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(ROOT, file)))
      .update('\0');
  const dir = join(ROOT, '.cache', 'emulator', hash.digest('hex').slice(0, 16));
  const out = join(dir, 'main.mjs');
  if (existsSync(out)) return out;
  const { build } = await import('esbuild');
  // Built in a folder of its own and renamed into place: another process may be building the same one.
  const staging = `${dir}.${process.pid}.tmp`;
  try {
    await build({
      entryPoints: [join(ROOT, ENTRY)],
      outfile: join(staging, 'main.mjs'),
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node.split('.')[0]}`,
      packages: 'external',
      // Stack traces name the sources (the map is read only when one is printed).
      sourcemap: 'linked',
      logLevel: 'silent',
    });
    try {
      renameSync(staging, dir);
    } catch (err) {
      if (!existsSync(out)) throw err;
    }
    // Bundles of sources as they were a day ago and more: nothing runs them any longer.
    for (const old of readdirSync(join(dir, '..'), { withFileTypes: true })) {
      const path = join(dir, '..', old.name);
      if (path !== dir && Date.now() - statSync(path).mtimeMs > 86_400_000) rmSync(path, { recursive: true, force: true });
    }
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return out;
}

/**
 * Asks the emulator whether it takes these options (`--check`: nothing is started). Undefined
 * when it does; else its exit code (2: a wrong option) and what it said.
 */
export async function refusedEmulatorArgs(
  args: string[],
  timeoutMs = 30_000,
): Promise<{ exitCode: number | null; said: string } | undefined> {
  const bundle = await emulatorBundle();
  const entry = bundle ? [bundle] : ['--import', 'tsx', ENTRY];
  const child = spawn(process.execPath, [...entry, ...args, '--check'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] });
  let said = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (said += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  // 'close', not 'exit': all it wrote has been read by then.
  const [exitCode] = (await once(child, 'close').finally(() => clearTimeout(timer))) as [number | null];
  return exitCode === 0 ? undefined : { exitCode, said: said.trim() };
}

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
  const bundle = await emulatorBundle();
  const entry = bundle ? ['--enable-source-maps', bundle] : ['--import', 'tsx', ENTRY];
  const child = spawn(process.execPath, [...entry, '--port', '0', '--exit-with-stdin', ...args], {
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
