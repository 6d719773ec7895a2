/**
 * The API model's constraints (lengths, patterns, ranges, enums) as zod schemas. Clients do
 * not check these, so the server must, and it words failures the way AWS does
 * ("1 validation error detected: Value 'x' at 'domain' failed to satisfy constraint: ...").
 */
import { z } from 'zod';
import { validationError } from './errors.ts';

interface StringSpec {
  min?: number;
  max?: number;
  pattern?: string;
}

export function str(spec: StringSpec = {}) {
  const re = spec.pattern ? new RegExp(`^(?:${spec.pattern})$`, 'u') : undefined;
  return z.string().superRefine((value, ctx) => {
    // The model counts characters (code points). A string longer than twice the maximum in
    // UTF-16 units is over it whatever it holds: say so without counting, copying or
    // matching megabytes of it.
    if (spec.max !== undefined && value.length > 2 * spec.max) {
      ctx.addIssue({ code: 'custom', message: `Member must have length less than or equal to ${spec.max}` });
      return;
    }
    const len = codePoints(value);
    if (spec.min !== undefined && len < spec.min) {
      ctx.addIssue({ code: 'custom', message: `Member must have length greater than or equal to ${spec.min}` });
    }
    if (spec.max !== undefined && len > spec.max) {
      ctx.addIssue({ code: 'custom', message: `Member must have length less than or equal to ${spec.max}` });
      return;
    }
    if (re && !re.test(value)) {
      ctx.addIssue({ code: 'custom', message: `Member must satisfy regular expression pattern: ${spec.pattern}` });
    }
  });
}

/** Characters as the model counts them: surrogate pairs are one. */
function codePoints(value: string): number {
  let n = value.length;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < value.length) {
      const d = value.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Integers arrive as JSON numbers in bodies and as strings in query strings. */
export function int(min: number, max: number) {
  return z
    .union([
      z.number(),
      z
        .string()
        .regex(/^-?\d+$/, 'Member must be an integer')
        .transform(Number),
    ])
    .pipe(
      z
        .number()
        .int('Member must be an integer')
        .min(min, `Member must have value greater than or equal to ${min}`)
        .max(max, `Member must have value less than or equal to ${max}`),
    );
}

export function enumOf<const T extends readonly [string, ...string[]]>(values: T) {
  return z.enum(values, { error: `Member must satisfy enum value set: [${values.join(', ')}]` });
}

/** Booleans arrive as JSON booleans in bodies and as 'true'/'false' in query strings. */
export const bool = z.union([z.boolean(), z.enum(['true', 'false']).transform((v) => v === 'true')], {
  error: 'Member must be a boolean',
});

export const shapes = {
  AccountId: str({ min: 12, max: 12, pattern: '[0-9]{12}' }),
  Arn: str({ min: 1, max: 1011, pattern: '\\S+' }),
  DomainName: str({ min: 2, max: 50, pattern: '[a-z][a-z0-9\\-]{0,48}[a-z0-9]' }),
  RepositoryName: str({ min: 2, max: 100, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-]{1,99}' }),
  Description: str({ max: 1000, pattern: '\\P{C}*' }),
  ExternalConnectionName: str({ min: 2, max: 100, pattern: '[A-Za-z0-9][A-Za-z0-9._\\-:]{1,99}' }),
  PolicyDocument: str({ min: 1, max: 7168, pattern: '[\\P{C}\\s]+' }),
  PolicyRevision: str({ min: 1, max: 100, pattern: '\\S+' }),
  PaginationToken: str({ min: 1, max: 2000, pattern: '\\S+' }),
  TagKey: str({ min: 1, max: 128, pattern: '\\P{C}+' }),
  TagValue: str({ min: 0, max: 256, pattern: '\\P{C}*' }),
  PackageFormat: enumOf(['npm', 'pypi', 'maven', 'nuget', 'generic', 'ruby', 'swift', 'cargo']),
  PackageNamespace: str({ min: 1, max: 255, pattern: '[^#/\\s]+' }),
  PackageName: str({ min: 1, max: 255, pattern: '[^#/\\s]+' }),
  EndpointType: enumOf(['dualstack', 'ipv4']),
  MaxResults: int(1, 1000),
  AuthorizationTokenDurationSeconds: int(0, 43200),
};

export const Tag = z.object({ key: shapes.TagKey, value: shapes.TagValue });
export const TagList = z.array(Tag).max(200, 'Member must have length less than or equal to 200');
export const TagKeyList = z.array(shapes.TagKey).max(200, 'Member must have length less than or equal to 200');
export const UpstreamRepositoryList = z.array(z.object({ repositoryName: shapes.RepositoryName }));

/** Parses an operation's input, turning every issue into one AWS-style ValidationException. */
export function parseInput<S extends z.ZodType>(schema: S, input: Record<string, unknown>): z.output<S> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.slice(0, 10);
  const parts = issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const value = 'input' in issue ? issue.input : undefined;
    const missing = value === undefined && issue.code === 'invalid_type';
    const constraint = missing ? 'Member must not be null' : issue.message;
    return `Value ${describeValue(value)} at '${path}' failed to satisfy constraint: ${constraint}`;
  });
  const n = result.error.issues.length;
  throw validationError(`${n} validation error${n === 1 ? '' : 's'} detected: ${parts.join('; ')}`);
}

const QUOTED_CHARS = 200;

/** The offending value as a short quote: never more than QUOTED_CHARS, whatever its size or depth. */
function describeValue(value: unknown): string {
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'string') return `'${value.length > QUOTED_CHARS ? `${value.slice(0, QUOTED_CHARS)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean') return `'${value}'`;
  const quoted = boundedJson(value, QUOTED_CHARS + 1);
  return `'${quoted.length > QUOTED_CHARS ? `${quoted.slice(0, QUOTED_CHARS)}...` : quoted}'`;
}

/**
 * JSON text of a value, cut after about `budget` characters. It walks only as far as it
 * writes, so a value nested thousands of levels deep (where JSON.stringify overflows the
 * stack) or megabytes large costs no more than the quote.
 */
function boundedJson(value: unknown, budget: number): string {
  let out = '';
  const write = (v: unknown, depth: number): void => {
    if (out.length >= budget) return;
    if (depth > 20) {
      out += '...';
      return;
    }
    if (v === null || typeof v !== 'object') {
      const text = typeof v === 'string' ? JSON.stringify(v.slice(0, budget)) : String(JSON.stringify(v) ?? null);
      out += text;
      return;
    }
    const isArray = Array.isArray(v);
    out += isArray ? '[' : '{';
    let first = true;
    for (const key in v as object) {
      if (out.length >= budget) break;
      if (!first) out += ',';
      first = false;
      if (!isArray) out += `${JSON.stringify(key.slice(0, budget))}:`;
      write((v as Record<string, unknown>)[key], depth + 1);
    }
    out += isArray ? ']' : '}';
  };
  write(value, 0);
  return out;
}
