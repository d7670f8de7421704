import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AtUri } from '@atproto/api';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { createAccountCredentialStore } from '../../db/accountCredentials';
import { createAccountStore, type Account } from '../../db/accounts';
import { createBlueskyConnector, idOfUri, uriOfId } from '../../activities/connectors/bluesky';
import type { PlatformConnector } from '../../activities/connectors/types';
import { ErrorType } from '../../activities/contract';
import pino from 'pino';
import { createTestEnvironment } from '@socialops/temporal-devserver/testing';
import { createPostReconciler } from '../../api/reconciliation';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createPostStore } from '../../db/posts';
import { publicationKey } from '../../domain/publicationKey';
import { postState } from './postStateFixture';
import { createTestKnex, insertAccount, insertBrand, uniqueId } from '../helpers/db';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';
import { startBlueskyNetwork, type BlueskyNetwork, type NetworkUser } from '../helpers/blueskyNetwork';

/** Lets a test answer a request in the platform's place, or let it through and lose the answer. */
type Intercept = (request: Request, passOn: (request: Request) => Promise<Response>) => Promise<Response> | undefined;

let db: Knex;
let bsky: BlueskyNetwork;
let brandAccount: Account;
let connector: PlatformConnector;
let intercept: Intercept | undefined;
const seenPaths: string[] = [];
let clockOffsetMs = 0;

const platformFetch: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  seenPaths.push(new URL(request.url).pathname);
  const answer = intercept?.(request, (passed) => fetch(passed));
  return answer ?? fetch(request);
};

function connectorFor(): PlatformConnector {
  return createBlueskyConnector({
    db,
    secretKey: TEST_INBOUND_SECRET_KEY,
    fetch: platformFetch,
    clock: () => new Date(Date.now() + clockOffsetMs),
  });
}

async function connectAccount(user: NetworkUser & { appPassword: string }): Promise<Account> {
  const brand = await insertBrand(db);
  const account = await insertAccount(db, { brandId: brand.id, platform: 'bluesky', handle: user.handle });
  await createAccountCredentialStore(db, { key: TEST_INBOUND_SECRET_KEY }).set({
    accountId: account.id,
    login: user.handle,
    serviceUrl: bsky.pdsUrl,
    password: user.appPassword,
    now: new Date(),
  });
  await createAccountStore(db).setConnector({ accountId: account.id, connector: 'bluesky' });
  return account;
}

function variant(account: Account, text: string) {
  return {
    postId: uniqueId('post'),
    revision: 1,
    accountId: account.id,
    platform: 'bluesky' as const,
    text,
    media: [],
    keyFixedAt: new Date().toISOString(),
  };
}

async function brandPosts(text: string): Promise<string[]> {
  const listed = await bsky.brand.agent.com.atproto.repo.listRecords({
    repo: bsky.brand.did,
    collection: 'app.bsky.feed.post',
    limit: 100,
  });
  return listed.data.records.filter((record) => (record.value as { text?: string }).text === text).map((r) => r.uri);
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  if (!(error instanceof ApplicationFailure)) throw new Error(`expected an ApplicationFailure, got ${String(error)}`);
  return error;
}

beforeAll(async () => {
  db = createTestKnex();
  bsky = await startBlueskyNetwork();
  brandAccount = await connectAccount(bsky.brand);
  connector = connectorFor();
}, 180_000);

afterAll(async () => {
  await bsky?.close();
  await db?.destroy();
});

afterEach(() => {
  intercept = undefined;
  clockOffsetMs = 0;
});

it('publishes a post whose link, mention and hashtag reach the AppView as facets', async () => {
  const [alice] = bsky.users;
  const text = `Spring is here, @${alice.handle}! https://example.com/spring?utm_source=socialops&utm_medium=social #launch`;
  const published = await connector.publish(variant(brandAccount, text), uniqueId('key'));
  await bsky.settle();

  const seen = await bsky.users[1].agent.app.bsky.feed.getPosts({ uris: [published.externalId] });
  const record = seen.data.posts[0].record as {
    text: string;
    facets: Array<{ features: Array<Record<string, string>> }>;
  };
  const features = record.facets.flatMap((facet) => facet.features);
  expect(record.text).toBe(text);
  expect(features).toEqual(
    expect.arrayContaining([
      expect.objectContaining({ $type: 'app.bsky.richtext.facet#mention', did: alice.did }),
      expect.objectContaining({
        $type: 'app.bsky.richtext.facet#link',
        uri: 'https://example.com/spring?utm_source=socialops&utm_medium=social',
      }),
      expect.objectContaining({ $type: 'app.bsky.richtext.facet#tag', tag: 'launch' }),
    ]),
  );
  expect(published.url).toBe(
    `https://bsky.app/profile/${bsky.brand.handle}/post/${new AtUri(published.externalId).rkey}`,
  );
});

/** Serves a one-pixel PNG while `use` runs, as a variant's image URL. */
async function withImage<T>(use: (url: string) => Promise<T>): Promise<T> {
  const png = Buffer.from(
    'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
    'base64',
  );
  const images: Server = createServer((_request, response) => {
    response.writeHead(200, { 'content-type': 'image/png' });
    response.end(png);
  });
  await new Promise<void>((resolve) => images.listen(0, '127.0.0.1', resolve));
  const { port } = images.address() as AddressInfo;
  try {
    return await use(`http://127.0.0.1:${port}/dot.png`);
  } finally {
    await new Promise<void>((resolve) => images.close(() => resolve()));
  }
}

it("uploads a variant's images as blobs with their alt text", async () => {
  await withImage(async (url) => {
    const published = await connector.publish(
      {
        ...variant(brandAccount, `With a picture ${uniqueId('p')}`),
        media: [{ url, kind: 'image', alt: 'A single red dot' }],
      },
      uniqueId('key'),
    );
    await bsky.settle();

    const seen = (await bsky.users[0].agent.app.bsky.feed.getPosts({ uris: [published.externalId] })).data.posts[0];
    expect(seen.embed).toMatchObject({
      $type: 'app.bsky.embed.images#view',
      images: [expect.objectContaining({ alt: 'A single red dot' })],
    });
  });
});

it("tags the post with the variant's languages", async () => {
  const published = await connector.publish(
    { ...variant(brandAccount, `Frühling ist da ${uniqueId('l')}`), languages: ['de', 'en'] },
    uniqueId('key'),
  );
  await bsky.settle();

  const seen = (await bsky.users[0].agent.app.bsky.feed.getPosts({ uris: [published.externalId] })).data.posts[0];
  expect((seen.record as { langs?: string[] }).langs).toEqual(['de', 'en']);
});

it('publishes a quote post, with its images when the variant has them', async () => {
  const [alice] = bsky.users;
  const quoted = await alice.agent.post({ text: `Best coffee in town ${uniqueId('c')}` });
  await bsky.settle();

  const quote = await connector.publish(
    { ...variant(brandAccount, `Thank you! ${uniqueId('q')}`), quoteOf: quoted.uri },
    uniqueId('key'),
  );
  const withMedia = await withImage((url) =>
    connector.publish(
      {
        ...variant(brandAccount, `Thanks, with a picture ${uniqueId('q')}`),
        quoteOf: quoted.uri,
        media: [{ url, kind: 'image', alt: 'Our counter' }],
      },
      uniqueId('key'),
    ),
  );
  await bsky.settle();

  const [plain, mixed] = (await alice.agent.app.bsky.feed.getPosts({ uris: [quote.externalId, withMedia.externalId] }))
    .data.posts;
  expect(plain.embed).toMatchObject({ $type: 'app.bsky.embed.record#view', record: { uri: quoted.uri } });
  expect(mixed.embed).toMatchObject({
    $type: 'app.bsky.embed.recordWithMedia#view',
    record: { record: { uri: quoted.uri } },
    media: { images: [expect.objectContaining({ alt: 'Our counter' })] },
  });
  const original = (await alice.agent.app.bsky.feed.getPosts({ uris: [quoted.uri] })).data.posts[0];
  expect(original.quoteCount).toBe(2);
});

it('refuses for good a quote of a post that does not exist', async () => {
  const missing = `at://${bsky.users[0].did}/app.bsky.feed.post/3jzfcijpj2z2a`;
  const failure = await failureOf(
    connector.publish({ ...variant(brandAccount, 'Quoting nothing'), quoteOf: missing }, uniqueId('key')),
  );
  expect(failure.type).toBe(ErrorType.ContentRefused);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('does not exist');
});

it('publishes once when the answer to a successful create is lost and the publication is retried', async () => {
  const text = `Exactly once ${uniqueId('text')}`;
  const input = variant(brandAccount, text);
  const key = uniqueId('key');
  // The create goes through, its answer is lost and the connection stays down for that attempt.
  let dropped = 0;
  intercept = (request, passOn) => {
    if (dropped > 0) return Promise.reject(new TypeError('fetch failed: the connection was reset'));
    if (!request.url.includes('com.atproto.repo.createRecord')) return undefined;
    dropped += 1;
    return passOn(request).then(() => {
      throw new TypeError('fetch failed: the connection was reset');
    });
  };

  await expect(connector.publish(input, key)).rejects.toThrow();
  intercept = undefined;
  const retried = await connector.publish(input, key);

  expect(dropped).toBe(1);
  expect(await brandPosts(text)).toEqual([retried.externalId]);
});

it("finds what a lost publication published from its key and the workflow's fixed time, without publishing", async () => {
  const text = `Lost and found ${uniqueId('lost')}`;
  const input = variant(brandAccount, text);
  const key = uniqueId('key');
  const about = { accountId: brandAccount.id, keyFixedAt: input.keyFixedAt };
  const reader = connectorFor();

  expect(await reader.findPublication(key, about)).toBeUndefined();
  const published = await connector.publish(input, key);

  expect(await reader.findPublication(key, about)).toEqual(published);
  expect(await reader.findPublication(uniqueId('key'), about)).toBeUndefined();
  expect(await reader.findPublication(key, { accountId: brandAccount.id })).toBeUndefined();
  expect(await brandPosts(text)).toEqual([published.externalId]);
});

it('lets the reconciler record what a post whose workflow is gone published on Bluesky', async () => {
  const env = await createTestEnvironment();
  try {
    const text = `Published, then the workflow was lost ${uniqueId('gone')}`;
    const input = variant(brandAccount, text);
    const key = publicationKey({ postId: input.postId, revision: 1, accountId: brandAccount.id });
    const content = { variants: [{ accountId: brandAccount.id, platform: 'bluesky' as const, text, media: [] }] };
    const state = postState({
      postId: input.postId,
      brandId: brandAccount.brandId,
      stage: 'publishing',
      openStages: ['publishing'],
      revision: 1,
      content,
      variants: [
        {
          accountId: brandAccount.id,
          platform: 'bluesky',
          status: 'publishing',
          attempts: 1,
          keyFixedAt: input.keyFixedAt,
        },
      ],
    });
    const posts = createPostStore(db);
    await posts.applyProjection({ state, sequence: 7 });
    await posts.writeVariants({ postId: state.postId, revision: 1, variants: state.variants });
    // The platform took the post; the workflow that asked never heard back and is gone.
    const published = await connector.publish(input, key);

    const reconciler = createPostReconciler({
      db,
      temporal: env.client,
      logger: pino({ level: 'silent' }),
      connectors: createConnectorRegistry([connectorFor()]),
    });
    const lost = await reconciler.reconcile((await posts.findById(input.postId))!);

    expect(lost.stage).toBe('lost');
    expect(lost.state.variants).toEqual([
      expect.objectContaining({ status: 'published', externalId: published.externalId, url: published.url }),
    ]);
  } finally {
    await env.teardown();
  }
});

it('counts likes, reposts and replies by other users in the next metric snapshot', async () => {
  const [alice, bob] = bsky.users;
  const published = await connector.publish(variant(brandAccount, `Metrics ${uniqueId('m')}`), uniqueId('key'));
  await bsky.settle();
  const before = await connector.fetchMetrics(published, new Date().toISOString());
  const view = (await alice.agent.app.bsky.feed.getPosts({ uris: [published.externalId] })).data.posts[0];
  await alice.agent.like(view.uri, view.cid);
  await bob.agent.like(view.uri, view.cid);
  await bob.agent.repost(view.uri, view.cid);
  await bob.agent.post({
    text: 'Love it',
    reply: { root: { uri: view.uri, cid: view.cid }, parent: { uri: view.uri, cid: view.cid } },
  });
  await bsky.settle();

  const after = await connector.fetchMetrics(published, new Date().toISOString());
  expect(before).toMatchObject({ likes: 0, comments: 0, shares: 0 });
  expect(after).toMatchObject({ likes: 2, comments: 1, shares: 1 });
});

it('posts an agent reply as a reply in the thread, once however often it is sent', async () => {
  const [, bob] = bsky.users;
  const published = await connector.publish(variant(brandAccount, `Ask us ${uniqueId('q')}`), uniqueId('key'));
  await bsky.settle();
  const root = (await bob.agent.app.bsky.feed.getPosts({ uris: [published.externalId] })).data.posts[0];
  const question = await bob.agent.post({
    text: 'When does it ship?',
    reply: { root: { uri: root.uri, cid: root.cid }, parent: { uri: root.uri, cid: root.cid } },
  });
  await bsky.settle();

  const reply = {
    accountId: brandAccount.id,
    platform: 'bluesky' as const,
    threadExternalId: idOfUri(root.uri),
    inReplyToExternalId: idOfUri(question.uri),
    text: 'Next Monday!',
    idempotencyKey: uniqueId('reply'),
    keyFixedAt: new Date().toISOString(),
  };
  const first = await connector.sendReply(reply);
  const again = await connector.sendReply(reply);
  await bsky.settle();

  expect(again.externalId).toBe(first.externalId);
  const firstUri = uriOfId(first.externalId);
  const thread = await bob.agent.getPostThread({ uri: question.uri });
  const replies = (thread.data.thread as { replies?: Array<{ post: { uri: string; author: { did: string } } }> })
    .replies!;
  expect(replies.map((r) => [r.post.uri, r.post.author.did])).toEqual([[firstUri, bsky.brand.did]]);
  const record = (await bob.agent.app.bsky.feed.getPosts({ uris: [firstUri] })).data.posts[0].record as {
    reply: { root: { uri: string }; parent: { uri: string } };
  };
  expect(record.reply.root.uri).toBe(root.uri);
  expect(record.reply.parent.uri).toBe(question.uri);
});

it('refreshes an access token the platform answers as expired, and one about to expire', async () => {
  await connector.publish(variant(brandAccount, `Warm up ${uniqueId('w')}`), uniqueId('key'));
  let expiredAnswers = 0;
  intercept = (request) => {
    if (!request.url.includes('com.atproto.repo.getRecord') || expiredAnswers > 0) return undefined;
    expiredAnswers += 1;
    return Promise.resolve(
      new Response(JSON.stringify({ error: 'ExpiredToken', message: 'Token has expired' }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      }),
    );
  };
  seenPaths.length = 0;
  const answered = await connector.publish(variant(brandAccount, `After expiry ${uniqueId('e')}`), uniqueId('key'));
  expect(expiredAnswers).toBe(1);
  expect(seenPaths.filter((path) => path.endsWith('com.atproto.server.refreshSession'))).toHaveLength(1);
  expect(answered.externalId).toMatch(/^at:\/\//);

  seenPaths.length = 0;
  clockOffsetMs = 3 * 60 * 60 * 1000;
  await connector.publish(variant(brandAccount, `Ahead of expiry ${uniqueId('a')}`), uniqueId('key'));
  expect(seenPaths.filter((path) => path.endsWith('com.atproto.server.refreshSession'))).toHaveLength(1);
  expect(seenPaths.filter((path) => path.endsWith('com.atproto.server.createSession'))).toHaveLength(0);
});

it('fails only the account whose app password was revoked, with a reason, and marks it for re-authentication', async () => {
  const other = await bsky.createAccount(`revoked${Date.now().toString(36).replace(/[0-9]/g, 'x')}`);
  const revokedAccount = await connectAccount(other);
  await other.agent.com.atproto.server.revokeAppPassword({ name: 'socialops' });
  const fresh = connectorFor();

  const failure = await failureOf(fresh.publish(variant(revokedAccount, 'Will not go out'), uniqueId('key')));
  const published = await fresh.publish(variant(brandAccount, `Still fine ${uniqueId('f')}`), uniqueId('key'));

  expect(failure.type).toBe(ErrorType.AccountNeedsReauthentication);
  expect(failure.nonRetryable).toBe(true);
  expect(failure.message).toContain('app password was refused');
  expect(published.externalId).toMatch(/^at:\/\//);
  const health = await createAccountCredentialStore(db, { key: TEST_INBOUND_SECRET_KEY }).health(revokedAccount.id);
  expect(health).toMatchObject({ needsReauthentication: true });
  // No second sign-in is attempted for an account known to need new credentials.
  seenPaths.length = 0;
  const again = await failureOf(fresh.publish(variant(revokedAccount, 'Still not'), uniqueId('key')));
  expect(again.type).toBe(ErrorType.AccountNeedsReauthentication);
  expect(seenPaths).toEqual([]);
});

it('asks to be retried after the reset time of a rate limit, and then publishes', async () => {
  const text = `Rate limited ${uniqueId('r')}`;
  const input = variant(brandAccount, text);
  const key = uniqueId('key');
  const resetAt = Math.ceil(Date.now() / 1000) + 30;
  intercept = (request) =>
    request.url.includes('com.atproto.repo.createRecord')
      ? Promise.resolve(
          new Response(JSON.stringify({ error: 'RateLimitExceeded', message: 'Rate Limit Exceeded' }), {
            status: 429,
            headers: {
              'content-type': 'application/json',
              'ratelimit-limit': '5000',
              'ratelimit-remaining': '0',
              'ratelimit-reset': String(resetAt),
            },
          }),
        )
      : undefined;

  const failure = await failureOf(connector.publish(input, key));
  intercept = undefined;
  const published = await connector.publish(input, key);

  expect(failure.type).toBe(ErrorType.RateLimited);
  expect(failure.nonRetryable).toBe(false);
  expect(Number(failure.nextRetryDelay)).toBeGreaterThan(25_000);
  expect(Number(failure.nextRetryDelay)).toBeLessThanOrEqual(31_000);
  expect(await brandPosts(text)).toEqual([published.externalId]);
});

it('fails a variant the platform refuses without retries', async () => {
  const failure = await failureOf(connector.publish(variant(brandAccount, 'x'.repeat(400)), uniqueId('key')));
  expect(failure.type).toBe(ErrorType.ContentRefused);
  expect(failure.nonRetryable).toBe(true);
});
