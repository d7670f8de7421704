/**
 * The record key a publication or reply is written under on Bluesky: the same idempotency key and
 * the same fixed time always give the same key, so a retry finds the record instead of writing a
 * second one. The post collection wants a TID (microseconds since the epoch and a 10-bit clock
 * id); the time is the one the workflow fixed before the first attempt, the clock id and the
 * sub-millisecond part come from a hash of the idempotency key, so two keys fixed in the same
 * millisecond still get different record keys.
 */
import { createHash } from 'node:crypto';
import { TID } from '@atproto/common-web';

const CLOCK_IDS = 1024;
const MICROS_PER_MS = 1000;

export function recordKeyFor({ idempotencyKey, fixedAt }: { idempotencyKey: string; fixedAt: string }): string {
  const fixedMs = Date.parse(fixedAt);
  if (Number.isNaN(fixedMs)) throw new RangeError(`the record key's time is not an instant: ${fixedAt}`);
  const digest = createHash('sha256').update(idempotencyKey).digest();
  const clockId = digest.readUInt16BE(0) % CLOCK_IDS;
  const micros = fixedMs * MICROS_PER_MS + (digest.readUInt16BE(2) % MICROS_PER_MS);
  return TID.fromTime(micros, clockId).toString();
}
