/**
 * The named transformers that make a command's output comparable across runs, targets and
 * AWS's own examples (LocalStack-style): each replaces one kind of run-specific value with a
 * placeholder. They are the only place where run-specific values are recognised; the
 * comparator and the snapshots see their result only.
 */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The run-specific names an output may contain: the run's own, or those of AWS's example. */
export interface NamesInOutput {
  domain: string;
  account: string;
  region: string;
  /** The repository the step is about (the example's test-repo stands for my-repo or npm-store). */
  repository?: string;
  /** Secrets (tokens) that may appear as values. */
  secrets?: readonly string[];
}

export interface Transformer {
  name: string;
  /** Why the value is run-specific, for the snapshot file and the docs. */
  replaces: string;
  /** Whole-value transformers see the key; the others rewrite inside strings. */
  value?(value: Json, key: string, names: NamesInOutput): Json | undefined;
  text?(s: string, names: NamesInOutput): string;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A name as a whole word: not inside a longer name (my-repo is not in my-repo2). */
function replaceName(s: string, name: string | undefined, placeholder: string): string {
  if (!name) return s;
  return s.replace(new RegExp(`(?<![A-Za-z0-9_-])${escapeRe(name)}(?![A-Za-z0-9_])`, 'g'), placeholder);
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})?$/;

export const transformers: Transformer[] = [
  {
    name: 'timestamps',
    replaces: 'times (createdTime, expiry): ISO 8601 from aws CLI v2 and the examples, epoch seconds from aws CLI v1',
    value(value, key) {
      if (typeof value === 'string' && ISO_TIME.test(value)) return '<timestamp>';
      if (typeof value === 'number' && /(Time|At|Date)$/.test(key)) return '<timestamp>';
      return undefined;
    },
  },
  {
    name: 'tokens',
    replaces: 'authorization tokens and other secrets',
    value(value, key, names) {
      if (typeof value !== 'string') return undefined;
      if (/token$/i.test(key) && value.length > 0) return '<token>';
      if (names.secrets?.some((s) => s.length >= 8 && value.includes(s))) return '<token>';
      return undefined;
    },
  },
  {
    name: 'hashes',
    replaces: 'content hashes (sha256/sha512 hex, npm integrity strings)',
    value(value) {
      if (typeof value !== 'string') return undefined;
      if (/^[0-9a-f]{40,128}$/i.test(value) || /^sha(1|256|384|512)-[A-Za-z0-9+/=]+$/.test(value)) return '<hash>';
      return undefined;
    },
  },
  {
    name: 'tool-versions',
    replaces: 'the versions `aws --version` prints',
    value(value, key) {
      if (typeof value === 'string' && /^(aws-cli|Python|botocore)$/.test(key) && /^\d+\.\d+/.test(value)) return '<version>';
      return undefined;
    },
  },
  {
    name: 'repository-endpoints',
    replaces:
      "a repository endpoint's scheme, host and path before /npm/<repository>/ (AWS: https://<domain>-<account>.d.codeartifact.<region>...; elsewhere the target's URL)",
    text: (s) => s.replace(/^https?:\/\/[^\s"]+?(\/npm\/[^/\s"]+\/)$/, '<repository-endpoint>$1'),
  },
  {
    name: 'kms-key-ids',
    replaces: 'the id of the KMS key that encrypts the domain',
    text: (s) => s.replace(/^(arn:aws[\w-]*:kms:[^:]*:[^:]*:key\/).+$/, '$1<kms-key-id>'),
  },
  {
    name: 'domain-name',
    replaces: "the domain's name (the run's own; my-domain or test-domain in AWS's texts)",
    text: (s, names) => replaceName(s, names.domain, '<domain>'),
  },
  {
    name: 'repository-name',
    replaces: "the name of the repository the step is about (test-repo in AWS's examples)",
    text: (s, names) => replaceName(s, names.repository, '<repository>'),
  },
  {
    name: 'account',
    replaces: 'the AWS account id',
    text: (s, names) => replaceName(s, names.account, '<account>'),
  },
  {
    name: 'region',
    replaces: 'the AWS region',
    text: (s, names) => replaceName(s, names.region, '<region>'),
  },
];

/** The output with every run-specific value replaced by its placeholder. */
export function normalise(value: Json, names: NamesInOutput, key = ''): Json {
  if (Array.isArray(value)) return value.map((v) => normalise(v, names, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, names, k)]));
  }
  for (const t of transformers) {
    const replaced = t.value?.(value, key, names);
    if (replaced !== undefined) return replaced;
  }
  if (typeof value !== 'string') return value;
  return transformers.reduce((s, t) => (t.text ? t.text(s, names) : s), value);
}

/** SDK answers as plain JSON: dates as ISO strings, without the SDK's $metadata. */
export function sdkToJson(value: unknown): Json {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map(sdkToJson);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([k, v]) => k !== '$metadata' && v !== undefined)
        .map(([k, v]) => [k, sdkToJson(v)]),
    );
  }
  return value as Json;
}
