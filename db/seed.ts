import type { Knex } from 'knex';
import type { Platform, Role } from '../domain/types';
import { createAccountStore, type Account } from './accounts';
import { DEFAULT_TRIAGE_RULES } from '../domain/triage';
import { createBrandStore, type Brand, type Campaign } from './brands';
import { seedDemoConversations } from './seedConversations';
import { createThreadQueueStore } from './threadQueues';
import { createUserStore, type User } from './users';

export const DEMO_BRAND_ID = 'demo';

const DEMO_ACCOUNTS: Array<{ platform: Platform; handle: string }> = [
  { platform: 'x', handle: '@socialops_demo' },
  { platform: 'linkedin', handle: 'socialops-demo' },
  { platform: 'instagram', handle: 'socialops.demo' },
  { platform: 'tiktok', handle: '@socialops.demo' },
  { platform: 'bluesky', handle: 'demo.socialops.bsky.social' },
];

const DEMO_USERS: Array<{ id: string; name: string; roles: Role[] }> = [
  { id: 'alice', name: 'Alice Author', roles: ['author'] },
  { id: 'dan', name: 'Dan Designer', roles: ['designer'] },
  { id: 'carla', name: 'Carla Copy Editor', roles: ['copy_editor'] },
  { id: 'leo', name: 'Leo Legal', roles: ['legal'] },
  // Regulated posts need two legal approvals from different people.
  { id: 'lena', name: 'Lena Legal', roles: ['legal'] },
  { id: 'fiona', name: 'Fiona Final Approver', roles: ['final_approver'] },
  // Crisis-sensitive posts need two final approvals from different people.
  { id: 'felix', name: 'Felix Final Approver', roles: ['final_approver'] },
  { id: 'mia', name: 'Mia Manager', roles: ['manager'] },
  { id: 'adam', name: 'Adam Admin', roles: ['admin'] },
  { id: 'aggie', name: 'Aggie Agent', roles: ['agent'] },
  { id: 'lou', name: 'Lou Lead', roles: ['lead'] },
  { id: 'vic', name: 'Vic Viewer', roles: ['viewer'] },
];

const DEMO_QUEUE_AGENT = 'aggie';
const DEMO_QUEUE_LEAD = 'lou';
const DEMO_AGENT_CAPACITY = 25;

export interface SeededUser {
  user: User;
  /** The user's one valid bearer key. */
  apiKey: string;
  /** Whether this run issued the key (the known one was missing or no longer valid). */
  issued: boolean;
}

export interface DemoSeed {
  brand: Brand;
  campaign: Campaign;
  accounts: Account[];
  users: SeededUser[];
  /** True when the demo brand did not exist before this run. */
  createdBrand: boolean;
}

/**
 * Creates the demo brand, its accounts, a campaign and users for every role, with enough
 * reviewers that every risk tier and flag can be approved. Running it again creates no
 * duplicates. `knownKeys` (user id → key, as kept from an earlier run) are reused while they
 * are valid; a user without one gets a new key, and every other key of theirs is revoked, since
 * stored keys are hashes and a key whose plain text is lost may still sit in an old log.
 */
export async function seedDemo(
  db: Knex,
  { knownKeys = {} }: { knownKeys?: Record<string, string> } = {},
): Promise<DemoSeed> {
  return db.transaction(async (trx) => {
    const brands = createBrandStore(db);
    const accounts = createAccountStore(db);
    const users = createUserStore(db);

    const createdBrand = !(await brands.findById(DEMO_BRAND_ID, trx));
    const brand = await brands.create(
      {
        id: DEMO_BRAND_ID,
        name: 'Socialops Demo Coffee',
        timeZone: 'Europe/Berlin',
        bannedPhrases: ['guaranteed results', 'risk-free', 'miracle cure'],
        utmSource: 'socialops-demo',
      },
      trx,
    );
    const campaign = await brands.createCampaign(
      {
        id: 'demo-autumn-launch',
        brandId: brand.id,
        name: 'Autumn blend launch',
        utmCampaign: 'autumn-launch',
        startsAt: '2026-09-01T00:00:00.000Z',
        // Its workflow is started when the system starts (see restartGoneCampaigns) and ends then.
        endsAt: '2027-12-31T23:00:00.000Z',
      },
      trx,
    );

    const seededAccounts: Account[] = [];
    for (const account of DEMO_ACCOUNTS) {
      seededAccounts.push(
        await accounts.create({ id: `demo-${account.platform}`, brandId: brand.id, ...account }, trx),
      );
    }

    const seededUsers: SeededUser[] = [];
    for (const demoUser of DEMO_USERS) {
      const user = await users.create(
        { ...demoUser, brandId: brand.id, email: `${demoUser.id}@demo.socialops.example` },
        trx,
      );
      const known = knownKeys[user.id];
      if (known !== undefined && (await users.findUserByApiKey(known, trx))?.user.id === user.id) {
        seededUsers.push({ user, apiKey: known, issued: false });
        continue;
      }
      const earlierKeys = await users.listApiKeys({ userId: user.id }, trx);
      for (const earlier of earlierKeys) {
        if (earlier.revokedAt === null) await users.revokeApiKey({ apiKeyId: earlier.id }, trx);
      }
      const issued = await users.createApiKey({ userId: user.id }, trx);
      seededUsers.push({ user, apiKey: issued.key, issued: true });
    }

    await seedDemoConversations(trx, { brandId: brand.id, timeZone: brand.timeZone, by: 'mia' });
    const queues = createThreadQueueStore(db);
    // A walk-through needs every conversation answered by someone; queues a manager set up are kept.
    if ((await queues.listForBrand(brand.id, trx)).length === 0) {
      const names = [...new Set(Object.values(DEFAULT_TRIAGE_RULES.queueByCategory))].sort();
      await queues.replaceForBrand(
        {
          brandId: brand.id,
          queues: names.map((name) => ({
            name,
            strategy: 'round_robin' as const,
            leadId: DEMO_QUEUE_LEAD,
            members: [{ userId: DEMO_QUEUE_AGENT, capacity: DEMO_AGENT_CAPACITY }],
          })),
        },
        trx,
      );
    }

    return { brand, campaign, accounts: seededAccounts, users: seededUsers, createdBrand };
  });
}
