/**
 * Named ways the emulator can be told to misbehave, so the harness can prove it fails loudly
 * at the right step. Off unless switched on with --fault (or the admin endpoint, which itself
 * exists only with --fault-admin).
 */
export const FAULTS = {
  'upstream-unreachable': 'external connections cannot reach the public registry',
  'upstream-slow': 'external connections answer after ARG milliseconds (default 5000)',
  'retention-skipped': 'versions fetched through upstreams are served but not kept in any repository',
  'never-visible': 'versions that came in through an external connection never appear in ListPackages and friends',
  'error-on': 'the control-plane operation named ARG answers 500 InternalServerException',
  throttle: 'the control-plane operation named ARG (or every one, with *) answers 429 ThrottlingException',
  'reject-tokens': 'the npm endpoint rejects every authorization token with 401',
} as const;

export type FaultName = keyof typeof FAULTS;

export class Faults {
  private readonly active = new Map<FaultName, string | undefined>();

  /** Parses NAME or NAME=ARG; throws a message naming the valid faults. */
  static parse(spec: string): [FaultName, string | undefined] {
    const eq = spec.indexOf('=');
    const name = (eq < 0 ? spec : spec.slice(0, eq)) as FaultName;
    const arg = eq < 0 ? undefined : spec.slice(eq + 1);
    if (!(name in FAULTS)) {
      throw new Error(`unknown fault '${name}'. Known faults: ${Object.keys(FAULTS).join(', ')}`);
    }
    if ((name === 'error-on' || name === 'throttle') && !arg) {
      throw new Error(`fault '${name}' needs an operation name: --fault ${name}=ListPackages`);
    }
    if (name === 'upstream-slow' && arg !== undefined && !/^\d+$/.test(arg)) {
      throw new Error(`fault 'upstream-slow' takes milliseconds: --fault upstream-slow=3000`);
    }
    return [name, arg];
  }

  set(name: FaultName, arg?: string): void {
    this.active.set(name, arg);
  }

  clear(name?: FaultName): void {
    if (name) this.active.delete(name);
    else this.active.clear();
  }

  on(name: FaultName): boolean {
    return this.active.has(name);
  }

  arg(name: FaultName): string | undefined {
    return this.active.get(name);
  }

  /** Does an operation-scoped fault (error-on, throttle) apply to this operation? */
  targets(name: 'error-on' | 'throttle', operation: string): boolean {
    const arg = this.active.get(name);
    return this.active.has(name) && (arg === '*' || arg === operation);
  }

  list(): Record<string, string | null> {
    return Object.fromEntries([...this.active].map(([k, v]) => [k, v ?? null]));
  }
}
