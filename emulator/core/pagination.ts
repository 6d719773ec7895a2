/** Opaque nextToken pagination over an ordered list, as AWS list operations do it. */
import { validationError } from './errors.ts';

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
