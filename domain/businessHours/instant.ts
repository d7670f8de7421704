/**
 * Instants cross every boundary as ISO strings that say where they are (Z or an offset); inside
 * the rules they are epoch milliseconds, so that arithmetic never depends on the host's zone.
 */

const INSTANT_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/i;

import { DateTime } from 'luxon';

export const MINUTE_MS = 60_000;

export class InvalidInstantError extends Error {
  override readonly name = 'InvalidInstantError';
  constructor(
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${field} must be an ISO 8601 instant with Z or an offset, got ${JSON.stringify(value)}`);
  }
}

export function instantMs({ value, field }: { value: string; field: string }): number {
  if (typeof value !== 'string' || !INSTANT_WITH_OFFSET.test(value)) throw new InvalidInstantError(field, value);
  // luxon refuses dates that do not exist (February 30th), which Date.parse would roll over.
  const parsed = DateTime.fromISO(value, { setZone: true });
  if (!parsed.isValid) throw new InvalidInstantError(field, value);
  return parsed.toMillis();
}

export function isoInstant(ms: number): string {
  return new Date(ms).toISOString();
}
