/**
 * The position a page of posts ends at, handed to the client as `nextCursor` and read back from
 * `cursor`. It carries nothing secret (a publish time and a post id the client has already seen),
 * so it is not signed: it is read strictly instead, and whatever does not have exactly the shape
 * this module writes is refused before it gets near a query.
 */
import { EARLIEST_INSTANT_MS, LATEST_INSTANT_MS } from '../domain/publishTime';
import { Identifier } from './schemas';

export interface ListPosition {
  publishAt: string;
  id: string;
}

/** The one form `Date.prototype.toISOString` writes for the years the system handles. */
const CANONICAL_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
const MAX_CURSOR_LENGTH = 500;

export function encodeListCursor(position: ListPosition): string {
  return Buffer.from(JSON.stringify([position.publishAt, position.id]), 'utf8').toString('base64url');
}

/** The position the cursor names, or undefined when it is not one this module could have written. */
export function decodeListCursor(cursor: string): ListPosition | undefined {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [publishAt, id] = decoded as unknown[];
  if (typeof publishAt !== 'string' || typeof id !== 'string') return undefined;
  if (!isCanonicalInstant(publishAt) || !Identifier.safeParse(id).success) return undefined;
  // Re-encoding must give back the very cursor: no padding, no stray bytes, no alternative spelling.
  if (encodeListCursor({ publishAt, id }) !== cursor) return undefined;
  return { publishAt, id };
}

function isCanonicalInstant(value: string): boolean {
  if (!CANONICAL_INSTANT.test(value)) return false;
  const ms = Date.parse(value);
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS && new Date(ms).toISOString() === value;
}
