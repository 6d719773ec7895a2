/**
 * The oldest aws CLI a reader of the tutorial may use, which depends on npm: CodeArtifact's
 * commands need v1 1.18.77 / v2 2.0.21 (AWS's "Install or upgrade and then configure the AWS
 * CLI"), and `aws codeartifact login --tool npm` works with npm 9 and later only from v1 1.27.23
 * / v2 2.9.5 on (AWS's npm guide: npm 9 refuses the `always-auth` setting older CLIs write).
 */
import semver from 'semver';

export interface AwsCliMinimum {
  /** The oldest version of that aws CLI major. */
  version: string;
  /** Why, in a reader's words. */
  because: string;
}

interface Rule {
  /** The npm versions the rule is for; undefined: any npm, or npm not known yet. */
  npm?: string;
  minimum: Record<1 | 2, string>;
  because: string;
}

/** Strictest first: the first rule whose npm range holds decides. */
const RULES: readonly Rule[] = [
  { npm: '>=9.0.0-0', minimum: { 1: '1.27.23', 2: '2.9.5' }, because: 'the first with a login that works with npm 9 and later' },
  { minimum: { 1: '1.18.77', 2: '2.0.21' }, because: 'the first with CodeArtifact commands' },
];

/** The oldest aws CLI `major` that works with CodeArtifact and (when given) this npm version. */
export function minimumAwsCli(major: 1 | 2, npmVersion?: string): AwsCliMinimum {
  const npm = npmVersion ? semver.coerce(npmVersion)?.version : undefined;
  const rule = RULES.find((r) => r.npm === undefined || (npm !== undefined && semver.satisfies(npm, r.npm, { includePrerelease: true })))!;
  return { version: rule.minimum[major], because: rule.because };
}

/**
 * Undefined when `awsCliVersion` is new enough (for `npmVersion`, when known); otherwise what
 * is wrong, naming the version needed and why.
 */
export function awsCliTooOld(awsCliVersion: string, npmVersion?: string): string | undefined {
  const version = semver.valid(semver.coerce(awsCliVersion));
  if (!version) return `'${awsCliVersion}' is not an aws CLI version`;
  const major = semver.major(version);
  if (major !== 1 && major !== 2) return `aws CLI ${version} is neither v1 nor v2`;
  const min = minimumAwsCli(major, npmVersion);
  if (semver.gte(version, min.version)) return undefined;
  const forNpm = npmVersion && min.version !== minimumAwsCli(major).version ? ` with npm ${npmVersion}` : '';
  return `aws CLI ${version} is too old${forNpm}: it needs v${major} ${min.version} or newer, ${min.because}`;
}
