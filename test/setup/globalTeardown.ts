import { releaseDatabase } from './database';

export default async function globalTeardown(): Promise<void> {
  const teardowns = [releaseDatabase] as Array<() => Promise<void>>;
  for (const teardown of teardowns) await teardown();
}
