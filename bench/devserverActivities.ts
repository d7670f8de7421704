export async function step(input: string): Promise<string> {
  return `${input}.`;
}
