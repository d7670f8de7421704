/** A result of `bytes` characters, so that each marker carries about what a post's activity records. */
export async function record(params: { index: number; bytes: number }): Promise<string> {
  return String(params.index).padEnd(params.bytes, '.');
}
