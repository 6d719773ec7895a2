/**
 * Who owns a run's files on disk (its sandbox, its clean-up ledger), and whether that owner
 * is still alive, so that `npm run sweep` can tell a dead run's leftovers from a live run's
 * working files. A pid alone is not enough: pids are reused, so the owner's start time is
 * recorded too and compared with the start time of whatever process has that pid now.
 */
import { readFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RunOwner {
  pid: number;
  host: string;
  /** When the owning process started, epoch ms (from /proc where there is one). */
  startedAt: number;
}

/**
 * Where runs keep what must be findable after they die: `ledgers/` and `sandboxes/`.
 * Per user, as the sandboxes hold tokens. CONFORMANCE_STATE_DIR moves it (tests do).
 */
export function stateDir(): string {
  const uid = typeof process.getuid === 'function' ? process.getuid() : 'user';
  return process.env.CONFORMANCE_STATE_DIR || join(tmpdir(), `codeartifact-conformance-${uid}`);
}

let bootMs: number | null | undefined;
/** Boot time, epoch ms, from /proc/stat; null where there is no /proc. */
function bootTime(): number | null {
  if (bootMs === undefined) {
    try {
      const btime = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'))?.[1];
      bootMs = btime ? Number(btime) * 1000 : null;
    } catch {
      bootMs = null;
    }
  }
  return bootMs;
}

/** Clock ticks per second for /proc/<pid>/stat; 100 on every Linux the harness runs on. */
const CLOCK_TICKS = 100;

/**
 * The process with this pid now: its start time, epoch ms, and whether it is a zombie (dead,
 * not yet reaped: in a container without an init, a killed run's workers stay zombies).
 * Undefined where there is no /proc.
 */
function processStat(pid: number): { startedAt: number; zombie: boolean } | undefined {
  const boot = bootTime();
  if (boot === null) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { startedAt: boot + (Number(fields[19]) / CLOCK_TICKS) * 1000, zombie: fields[0] === 'Z' || fields[0] === 'X' };
  } catch {
    return undefined;
  }
}

export function thisProcess(): RunOwner {
  return {
    pid: process.pid,
    host: hostname(),
    startedAt: Math.round(processStat(process.pid)?.startedAt ?? Date.now() - process.uptime() * 1000),
  };
}

export type OwnerState = 'alive' | 'gone' | 'other-host';

/** btime has one-second resolution; a reused pid starts far later than that. */
const START_TOLERANCE_MS = 2_000;

export function ownerState(owner: RunOwner): OwnerState {
  if (owner.host !== hostname()) return 'other-host';
  try {
    process.kill(owner.pid, 0);
  } catch (err) {
    // EPERM: a process of another user has that pid now, so not ours.
    return (err as NodeJS.ErrnoException).code === 'ESRCH' || (err as NodeJS.ErrnoException).code === 'EPERM' ? 'gone' : 'alive';
  }
  const now = processStat(owner.pid);
  if (now === undefined) return 'alive';
  return !now.zombie && Math.abs(now.startedAt - owner.startedAt) <= START_TOLERANCE_MS ? 'alive' : 'gone';
}

export function describeOwner(owner: RunOwner): string {
  return `pid ${owner.pid} on ${owner.host}, started ${new Date(owner.startedAt).toISOString()}`;
}
