/**
 * Failures of the run's surroundings (no CLI, no credentials, target unreachable, wrong
 * account), as opposed to the tutorial not working. The gate exits 2 for these, not 1.
 */
export class InfrastructureError extends Error {
  override name = 'InfrastructureError';
  constructor(
    message: string,
    readonly fix: string,
  ) {
    super(`${message}\nFix: ${fix}`);
  }
}
