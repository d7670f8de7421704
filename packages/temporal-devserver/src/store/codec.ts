/**
 * JSON for the service's plain messages, whose bytes fields are Buffers: each is written as
 * `{"$bytes": base64}` and read back as a Buffer. The bytes are marked before JSON.stringify sees
 * them, since a Buffer's own toJSON would first spell it out as an array of numbers, one element
 * per byte, for every payload of every state written.
 */
const BYTES = '$bytes';

function markBytes(value: unknown): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Uint8Array)
    return { [BYTES]: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64') };
  if (Array.isArray(value)) return value.map(markBytes);
  // Dates and the like keep their own JSON.
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return value;
  const marked: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value)) marked[key] = markBytes(field);
  return marked;
}

export function toJson(value: unknown): string {
  return JSON.stringify(markBytes(value));
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)[BYTES] === 'string')
      return Buffer.from((v as Record<string, string>)[BYTES], 'base64');
    return v;
  }) as T;
}
