export default async function globalTeardown(): Promise<void> {
  const teardowns = [] as Array<() => Promise<void>>;
  for (const teardown of teardowns) await teardown();
}
