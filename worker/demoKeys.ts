/**
 * The demo users' API keys, kept in one file only its owner may read instead of being printed,
 * so that they do not end up in logs. The next start reads them back and reuses them.
 */
import fs from 'node:fs';
import { writeOwnerOnlyFile } from '../db/embeddedPostgresPassword';
import type { DemoSeed } from '../db/seed';

export const DEMO_KEYS_FILE_NAME = 'demo-keys.json';

interface DemoKeysFile {
  brandId: string;
  users: Record<string, { name: string; roles: string[]; key: string }>;
}

/** User id → key from the file; nothing when it is missing or unreadable (new keys are then issued). */
export function readDemoKeys(file: string): Record<string, string> {
  let parsed: Partial<DemoKeysFile>;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8')) as Partial<DemoKeysFile>;
  } catch {
    return {};
  }
  const keys: Record<string, string> = {};
  for (const [userId, entry] of Object.entries(parsed.users ?? {})) {
    if (typeof entry?.key === 'string') keys[userId] = entry.key;
  }
  return keys;
}

export function writeDemoKeys(file: string, seed: DemoSeed): void {
  const content: DemoKeysFile = {
    brandId: seed.brand.id,
    users: Object.fromEntries(
      seed.users.map(({ user, apiKey }) => [user.id, { name: user.name, roles: user.roles, key: apiKey }]),
    ),
  };
  writeOwnerOnlyFile(file, `${JSON.stringify(content, null, 2)}\n`);
}
