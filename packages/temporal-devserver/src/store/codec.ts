/** JSON for the service's plain messages, whose bytes fields are Buffers. */
const BYTES = '$bytes';

export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (
      v &&
      typeof v === 'object' &&
      (v as { type?: unknown }).type === 'Buffer' &&
      Array.isArray((v as { data?: unknown }).data)
    )
      return { [BYTES]: Buffer.from((v as { data: number[] }).data).toString('base64') };
    return v;
  });
}

export function fromJson<T>(text: string): T {
  return JSON.parse(text, (_key, v: unknown) => {
    if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)[BYTES] === 'string')
      return Buffer.from((v as Record<string, string>)[BYTES], 'base64');
    return v;
  }) as T;
}
