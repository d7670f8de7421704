/**
 * The position a page of a list ends at, handed to the client as `nextCursor` and read back from
 * `cursor`. It carries nothing secret (a time and an id the client has already seen: a post's
 * publish time, a thread's next due time), so it is not signed: it is read strictly instead, and
 * whatever does not have exactly the shape this module writes is refused before it gets near a
 * query.
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
  const [publishAt, id] = readPair(cursor) ?? [];
  if (typeof publishAt !== 'string' || typeof id !== 'string' || !isCanonicalInstant(publishAt)) return undefined;
  // Re-encoding must give back the very cursor: no padding, no stray bytes, no alternative spelling.
  return encodeListCursor({ publishAt, id }) === cursor ? { publishAt, id } : undefined;
}

/** A position in a list ordered by a time that may be missing (those come last), then by id. */
export interface DuePosition {
  dueAt: string | null;
  id: string;
}

export function encodeDueCursor(position: DuePosition): string {
  return Buffer.from(JSON.stringify([position.dueAt, position.id]), 'utf8').toString('base64url');
}

/** Read as strictly as `decodeListCursor`; the time may be null, nothing else may differ. */
export function decodeDueCursor(cursor: string): DuePosition | undefined {
  const [dueAt, id] = readPair(cursor) ?? [];
  if (typeof id !== 'string' || (dueAt !== null && (typeof dueAt !== 'string' || !isCanonicalInstant(dueAt)))) {
    return undefined;
  }
  return encodeDueCursor({ dueAt, id }) === cursor ? { dueAt, id } : undefined;
}

/** The two parts of a cursor whose text and id are sane; what the time may be is the caller's rule. */
function readPair(cursor: string): [unknown, string] | undefined {
  if (typeof cursor !== 'string' || cursor.length > MAX_CURSOR_LENGTH || !BASE64URL.test(cursor)) return undefined;
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
  if (!Array.isArray(decoded) || decoded.length !== 2) return undefined;
  const [at, id] = decoded as unknown[];
  if (typeof id !== 'string' || !Identifier.safeParse(id).success) return undefined;
  return [at, id];
}

function isCanonicalInstant(value: string): boolean {
  if (!CANONICAL_INSTANT.test(value)) return false;
  const ms = Date.parse(value);
  return ms >= EARLIEST_INSTANT_MS && ms <= LATEST_INSTANT_MS && new Date(ms).toISOString() === value;
}
