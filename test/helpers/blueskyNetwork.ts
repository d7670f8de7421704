/**
 * A real local AT Protocol network (PLC directory, PDS and Bluesky AppView from @atproto/dev-env)
 * for one test file, on the run's Postgres in schemas of its own. It holds a brand account with
 * an app password and a few users who like, repost and reply.
 */
import { randomBytes } from 'node:crypto';
import type { AtpAgent } from '@atproto/api';
import type { TestNetwork } from '@atproto/dev-env';
import { testDatabaseUrl } from './db';
import { withClient } from './scratchDatabases';

export interface NetworkUser {
  agent: AtpAgent;
  did: string;
  handle: string;
}

export interface BlueskyNetwork {
  network: TestNetwork;
  pdsUrl: string;
  brand: NetworkUser & { appPassword: string };
  users: NetworkUser[];
  /** A further account with its own app password, for tests that revoke it. */
  createAccount(name: string): Promise<NetworkUser & { appPassword: string }>;
  /** Waits until the AppView has indexed everything the PDS has written. */
  settle(): Promise<void>;
  close(): Promise<void>;
}

/** Schema names the AppView accepts: letters and underscores only. */
function schemaName(): string {
  return `bsky_${[...randomBytes(8)].map((byte) => String.fromCharCode(97 + (byte % 26))).join('')}`;
}

export async function startBlueskyNetwork({
  users = ['alice', 'bob'],
}: { users?: string[] } = {}): Promise<BlueskyNetwork> {
  // The servers log through pino unless told not to, and the network insists on a Redis host
  // that nothing in it connects to.
  process.env.LOG_ENABLED ??= 'false';
  process.env.REDIS_HOST ??= 'unused.invalid';
  // The AppView's Postgres client warns of its own query pattern on every start; nothing to act on.
  process.noDeprecation = true;
  const { TestNetwork } = await import('@atproto/dev-env');
  const { AtpAgent } = await import('@atproto/api');
  const schema = schemaName();
  const databaseUrl = testDatabaseUrl();
  const network = await TestNetwork.create({ dbPostgresUrl: databaseUrl, dbPostgresSchema: schema });
  const pdsUrl = network.pds.url;

  async function createAccount(name: string): Promise<NetworkUser & { appPassword: string }> {
    const agent = new AtpAgent({ service: pdsUrl });
    const handle = `${name}.test`;
    await agent.createAccount({ email: `${name}@example.test`, handle, password: `${name}-password` });
    const appPassword = await agent.com.atproto.server.createAppPassword({ name: 'socialops' });
    return { agent, did: agent.session!.did, handle, appPassword: appPassword.data.password };
  }

  const brand = await createAccount('brand');
  const others: NetworkUser[] = [];
  for (const name of users) others.push(await createAccount(name));
  await network.processAll();

  return {
    network,
    pdsUrl,
    brand,
    users: others,
    createAccount,
    settle: () => network.processAll(),
    async close() {
      // Requests still between the servers would log their interruption.
      await network.processAll();
      await network.close();
      await withClient(databaseUrl, async (client) => {
        for (const prefix of ['appview_', 'ozone_', '']) {
          await client.query(`DROP SCHEMA IF EXISTS "${prefix}${schema}" CASCADE`);
        }
      });
    },
  };
}
