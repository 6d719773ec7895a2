/** Opaque nextToken pagination over an ordered list, as AWS list operations do it. */
import { validationError } from './errors.ts';
import { shapes } from './shapes.ts';

/** Where a list operation's maxResults and nextToken travel when in the query string (the API model's names). */
export const pageQuery = { maxResults: 'max-results', nextToken: 'next-token' } as const;

/** A list operation's maxResults and nextToken members, bounded as the API model bounds them. */
export const pageInput = { maxResults: shapes.MaxResults.optional(), nextToken: shapes.PaginationToken.optional() };

/**
 * One page of `items` as a list operation answers it: the page (each item through `map`) under
 * `member`, then nextToken while more follow.
 */
export function pageOf<K extends string, T, U = T>(
  member: K,
  items: readonly T[],
  input: { maxResults?: number | undefined; nextToken?: string | undefined },
  options: { map?: (item: T) => U; pageSize?: number } = {},
): Record<K, U[]> & { nextToken?: string } {
  const { page, nextToken } = paginate(items, input.maxResults, input.nextToken, options.pageSize);
  const map = options.map ?? ((item: T) => item as unknown as U);
  return { [member]: page.map(map), ...(nextToken ? { nextToken } : {}) } as Record<K, U[]> & { nextToken?: string };
}

export function paginate<T>(
  items: readonly T[],
  maxResults: number | undefined,
  nextToken: string | undefined,
  defaultPageSize = 100,
): { page: T[]; nextToken?: string } {
  let offset = 0;
  if (nextToken !== undefined) {
    const decoded = decodeToken(nextToken);
    if (decoded === undefined) {
      throw validationError(`The nextToken '${nextToken}' is not valid. Pass the nextToken of a previous response unchanged.`);
    }
    offset = decoded;
  }
  const size = maxResults ?? defaultPageSize;
  const page = items.slice(offset, offset + size);
  const next = offset + size < items.length ? encodeToken(offset + size) : undefined;
  return next === undefined ? { page } : { page, nextToken: next };
}

function encodeToken(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

function decodeToken(token: string): number | undefined {
  try {
    const v = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { o?: unknown };
    return typeof v.o === 'number' && Number.isInteger(v.o) && v.o >= 0 ? v.o : undefined;
  } catch {
    return undefined;
  }
}
