/**
 * pyenv's shims, seen through: the tests run the aws CLI v1 a few hundred times, and pyenv's
 * shim (bash, then `pyenv exec`) spends about half a second of CPU before the CLI starts.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

let resolved: string | undefined;

/**
 * The executable behind `aws` on PATH. Where that is pyenv's shim (bash, then `pyenv exec`),
 * the executable the shim would run, asked of pyenv once: the same aws CLI v1, without the
 * shim's half second of CPU before every one of the several hundred calls these tests make.
 */
export function awsV1Bin(): string {
  resolved ??= resolveAwsV1();
  return resolved;
}

function resolveAwsV1(): string {
  const onPath = (process.env.PATH ?? '')
    .split(delimiter)
    .filter(Boolean)
    .map((dir) => join(dir, 'aws'))
    .find((file) => {
      try {
        accessSync(file, constants.X_OK);
        return true;
      } catch {
        return false;
      }
    });
  if (!onPath) return 'aws';
  const pyenv = /^exec "([^"]*\/libexec\/pyenv)" exec "\$program"/m.exec(readFileSync(onPath).subarray(0, 4096).toString('latin1'))?.[1];
  if (!pyenv) return onPath;
  const which = spawnSync(pyenv, ['which', 'aws'], { encoding: 'utf8' });
  const bin = which.status === 0 ? which.stdout.trim() : '';
  return bin && existsSync(bin) ? bin : onPath;
}
