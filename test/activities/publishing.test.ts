import type { Knex } from 'knex';
import { ApplicationFailure } from '@temporalio/common';
import { quietActivityEnvironment } from './activityEnvironment';
import { createPostActivities } from '../../activities';
import { ErrorType, type PublishVariantInput } from '../../activities/contract';
import { createSandboxConnector } from '../../activities/connectors/sandbox';
import { createConnectorRegistry } from '../../activities/connectors/types';
import { createWebhookNotifier } from '../../activities/notifier';
import { createSandboxStore, type SandboxFailure } from '../../db/sandbox';
import type { Platform } from '../../domain/types';
import { createTestKnex, insertAccount, insertBrand, uniqueId } from '../helpers/db';

let db: Knex;
let activities: ReturnType<typeof createPostActivities>;
let brandId: string;
const env = quietActivityEnvironment();
const PUBLISHED_AT = new Date('2026-10-01T08:00:00.000Z');

beforeAll(async () => {
  db = createTestKnex();
  const connectors = createConnectorRegistry([createSandboxConnector({ db, clock: () => PUBLISHED_AT })]);
  activities = createPostActivities({ db, connectors, notifier: createWebhookNotifier() });
  brandId = (await insertBrand(db)).id;
});
afterAll(async () => {
  await db.destroy();
});

async function variantFor(
  platform: Platform,
  account: { sandboxFailure?: SandboxFailure; status?: 'active' | 'revoked' } = {},
): Promise<PublishVariantInput> {
  const { id } = await insertAccount(db, { brandId, platform, ...account });
  const postId = uniqueId('post');
  return {
    postId,
    revision: 1,
    accountId: id,
    platform,
    text: 'Autumn blend is back',
    media: [],
    idempotencyKey: `${postId}:1:${id}`,
  };
}

async function publishFailure(input: PublishVariantInput): Promise<ApplicationFailure> {
  const error = await env.run(activities.publishVariant, input).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(ApplicationFailure);
  return error as ApplicationFailure;
}

describe('publishVariant on the sandbox platform', () => {
  it('publishes once per idempotency key and answers a repeat with the original publication', async () => {
    const input = await variantFor('x');
    const first = await env.run(activities.publishVariant, input);
    const repeat = await env.run(activities.publishVariant, { ...input, text: 'edited after a timeout' });

    expect(repeat).toEqual(first);
    expect(first.publishedAt).toBe(PUBLISHED_AT.toISOString());
    expect(first.url).toContain(first.externalId);
    const stored = await createSandboxStore(db).listByPost({ postId: input.postId });
    expect(stored).toHaveLength(1);
    expect(stored[0]).toMatchObject({ text: 'Autumn blend is back', idempotencyKey: input.idempotencyKey });
  });

  it('publishes a new revision of the same variant as a separate post', async () => {
    const input = await variantFor('linkedin');
    const first = await env.run(activities.publishVariant, input);
    const second = await env.run(activities.publishVariant, {
      ...input,
      revision: 2,
      idempotencyKey: `${input.postId}:2:${input.accountId}`,
    });
    expect(second.externalId).not.toBe(first.externalId);
    expect(await createSandboxStore(db).listByPost({ postId: input.postId })).toHaveLength(2);
  });

  it("answers a rate limit with a retryable failure that asks to wait the platform's retry-after", async () => {
    const input = await variantFor('x', { sandboxFailure: { mode: 'rate_limit', retryAfterSeconds: 90 } });
    const failure = await publishFailure(input);
    expect(failure.type).toBe(ErrorType.RateLimited);
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(90_000);
    expect(await createSandboxStore(db).listByPost({ postId: input.postId })).toEqual([]);
  });

  it('fails a rate-limited account only as many times as told, then publishes', async () => {
    const input = await variantFor('bluesky', {
      sandboxFailure: { mode: 'rate_limit', retryAfterSeconds: 5, times: 2 },
    });
    expect((await publishFailure(input)).type).toBe(ErrorType.RateLimited);
    expect((await publishFailure(input)).type).toBe(ErrorType.RateLimited);
    const published = await env.run(activities.publishVariant, input);
    expect(published.externalId).toMatch(/^sbx-post-/);
    expect(await createSandboxStore(db).findAccountFailure({ accountId: input.accountId })).toBeNull();
  });

  it('never fails more often than the counter allows when attempts run at the same time', async () => {
    const input = await variantFor('tiktok', { sandboxFailure: { mode: 'refused', times: 3 } });
    const sandbox = createSandboxStore(db);
    const taken = await Promise.all(
      Array.from({ length: 8 }, () => sandbox.consumeAccountFailure({ accountId: input.accountId })),
    );
    expect(taken.filter((failure) => failure !== null)).toHaveLength(3);
  });

  it('reports a revoked token as a non-retryable AccountRevoked failure', async () => {
    const input = await variantFor('instagram', { sandboxFailure: { mode: 'revoked' } });
    const failure = await publishFailure(input);
    expect(failure.type).toBe(ErrorType.AccountRevoked);
    expect(failure.nonRetryable).toBe(true);
  });

  it('reports an account whose status is revoked as AccountRevoked', async () => {
    const input = await variantFor('facebook', { status: 'revoked' });
    const failure = await publishFailure(input);
    expect(failure.type).toBe(ErrorType.AccountRevoked);
    expect(failure.nonRetryable).toBe(true);
  });

  it('reports refused content as a non-retryable ContentRefused failure, every time it is tried', async () => {
    const input = await variantFor('threads', { sandboxFailure: { mode: 'refused' } });
    for (let attempt = 0; attempt < 2; attempt++) {
      const failure = await publishFailure(input);
      expect(failure.type).toBe(ErrorType.ContentRefused);
      expect(failure.nonRetryable).toBe(true);
    }
  });

  it('reports an unknown account as a non-retryable AccountNotFound failure', async () => {
    const input = await variantFor('x');
    const failure = await publishFailure({ ...input, accountId: uniqueId('missing') });
    expect(failure.type).toBe(ErrorType.AccountNotFound);
    expect(failure.nonRetryable).toBe(true);
  });

  it('reports an account on a connector the worker lacks as ConnectorNotConfigured', async () => {
    const input = await variantFor('reddit');
    await db('accounts').where({ id: input.accountId }).update({ connector: 'reddit-api' });
    const failure = await publishFailure(input);
    expect(failure.type).toBe(ErrorType.ConnectorNotConfigured);
    expect(failure.nonRetryable).toBe(true);
  });
});

describe('the sandbox ledger', () => {
  it('answers what it published under a key, without publishing anything', async () => {
    const input = await variantFor('linkedin');
    const connector = createSandboxConnector({ db });
    expect(await connector.findPublication(input.idempotencyKey)).toBeUndefined();
    expect(await createSandboxStore(db).listByPost({ postId: input.postId })).toEqual([]);

    const published = await env.run(activities.publishVariant, input);
    expect(await connector.findPublication(input.idempotencyKey)).toEqual({
      accountId: input.accountId,
      platform: 'linkedin',
      ...published,
    });
  });
});

describe('sandbox replies and validation', () => {
  it('sends one reply per idempotency key', async () => {
    const connector = createSandboxConnector({ db });
    const { accountId, platform } = await variantFor('x');
    const reply = {
      accountId,
      platform,
      threadExternalId: uniqueId('thread'),
      text: 'Thanks, it is back today!',
      idempotencyKey: uniqueId('reply'),
    };
    const first = await connector.sendReply(reply);
    const again = await connector.sendReply(reply);
    expect(again).toEqual(first);
    expect(await createSandboxStore(db).listRepliesByThread({ threadExternalId: reply.threadExternalId })).toHaveLength(
      1,
    );
  });

  it('names a revoked account and a platform mismatch without publishing', async () => {
    const connector = createSandboxConnector({ db });
    const input = await variantFor('linkedin', { status: 'revoked' });
    const issues = await connector.validate({ ...input, platform: 'x' });
    expect(issues.map((issue) => issue.code).sort()).toEqual(['account_revoked', 'platform_mismatch']);
    expect(await createSandboxStore(db).listByPost({ postId: input.postId })).toEqual([]);
  });
});
