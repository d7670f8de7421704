/**
 * When Temporal or Postgres cannot be reached the API says so with 503 (and which one), promptly,
 * without a stack trace, and leaves nothing half-done behind that a client would see.
 */
import knex, { type Knex } from 'knex';
import { signInboundBody } from '../../api/inboundSignature';
import { createBrandStore } from '../../db/brands';
import { createInboundSecretStore } from '../../db/inboundSecrets';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';
import { createTestKnex, insertBrandFixture, type BrandFixture } from '../helpers/db';
import { call, closedPort, projectPost, startApi, unreachableTemporal, type RunningApi } from './http';

let db: Knex;
let fixture: BrandFixture;

beforeAll(async () => {
  db = createTestKnex();
  fixture = await insertBrandFixture(db, { platforms: ['x'] });
});

afterAll(async () => {
  await db.destroy();
});

function expectNoInternals(text: string): void {
  expect(text).not.toMatch(/\s+at\s+\S+\s+\(/);
  expect(text).not.toMatch(/node_modules|\.ts:\d+/);
}

describe('with Temporal unreachable', () => {
  let api: RunningApi;
  let closeTemporal: () => Promise<void>;

  beforeAll(async () => {
    const temporal = await unreachableTemporal();
    closeTemporal = temporal.close;
    api = await startApi({ db, temporal: temporal.client, taskQueue: 'api-unavailable', temporalDeadlineMs: 1_500 });
  });

  afterAll(async () => {
    await api.close();
    await closeTemporal();
  });

  it('answers an inbound webhook with 503 naming Temporal, so the platform sends it again', async () => {
    const { secret } = await createInboundSecretStore(db, { key: TEST_INBOUND_SECRET_KEY }).rotate({
      accountId: fixture.accounts[0].id,
      now: new Date(),
    });
    const rawBody = JSON.stringify({
      events: [
        {
          threadId: 'unreached',
          messageId: `m-${Date.now()}`,
          kind: 'dm',
          author: { id: 'c', handle: '@c' },
          text: 'Hello?',
          sentAt: new Date().toISOString(),
        },
      ],
    });
    const response = await call(api, 'POST', `/v1/inbound/${fixture.accounts[0].id}`, {
      rawBody,
      headers: { 'x-socialops-signature': signInboundBody(rawBody, secret) },
    });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'service_unavailable', dependency: 'temporal' });
    expectNoInternals(response.text);
  });

  it('answers a new post with 503 naming Temporal, and does not list a post that never started', async () => {
    const title = `Unstarted ${Date.now()}`;
    const response = await call(api, 'POST', '/v1/posts', {
      key: fixture.users.author.apiKey,
      body: {
        brandId: fixture.brand.id,
        title,
        riskTier: 'low',
        publishAt: '2027-09-01T09:00',
        targets: [{ accountId: fixture.accounts[0].id }],
      },
    });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'service_unavailable', dependency: 'temporal' });
    expect(response.headers.get('retry-after')).toBe('5');
    expectNoInternals(response.text);

    const listed = await call(api, 'GET', `/v1/posts?brandId=${fixture.brand.id}`, {
      key: fixture.users.viewer.apiKey,
    });
    expect(listed.body.items.map((post: { title: string }) => post.title)).not.toContain(title);
  });

  it('answers a review with 503', async () => {
    const post = await projectPost(db, {
      brandId: fixture.brand.id,
      authorId: fixture.users.author.user.id,
      stage: 'legal_review',
      publishAt: '2027-09-02T08:00:00.000Z',
    });
    const response = await call(api, 'POST', `/v1/posts/${post.postId}/reviews`, {
      key: fixture.users.legal.apiKey,
      body: { stage: 'legal_review', revision: 1, decision: 'approve' },
    });
    expect(response.status).toBe(503);
    expect(response.body.dependency).toBe('temporal');
  });

  it('answers a brand pause with 503 and leaves the brand as it was', async () => {
    const brand = await insertBrandFixture(db, { platforms: ['x'] });
    await projectPost(db, {
      brandId: brand.brand.id,
      authorId: brand.users.author.user.id,
      stage: 'scheduled',
      publishAt: '2027-09-03T08:00:00.000Z',
    });
    const response = await call(api, 'POST', `/v1/brands/${brand.brand.id}/pause`, {
      key: brand.users.manager.apiKey,
      body: {},
    });
    expect(response.status).toBe(503);
    expect(response.body.dependency).toBe('temporal');
    expect(await createBrandStore(db).findById(brand.brand.id)).toMatchObject({
      publishingPaused: false,
      pausedReason: null,
    });
  });

  it("answers a brand's publishing state from Postgres, saying its progress is unknown", async () => {
    const response = await call(api, 'GET', `/v1/brands/${fixture.brand.id}/publishing`, {
      key: fixture.users.viewer.apiKey,
    });
    expect(response.status).toBe(200);
    expect(response.body).toEqual({
      brandId: fixture.brand.id,
      paused: false,
      pausedReason: null,
      source: 'database',
      staleReason: 'Temporal did not answer',
      operations: [],
    });
  });

  it('reports not ready, with Postgres fine and Temporal down', async () => {
    const response = await call(api, 'GET', '/readyz');
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({
      status: 'unavailable',
      checks: { postgres: { ok: true }, temporal: { ok: false } },
    });
  });
});

describe('with Postgres unreachable', () => {
  let api: RunningApi;
  let closeTemporal: () => Promise<void>;
  let deadDb: Knex;

  beforeAll(async () => {
    const temporal = await unreachableTemporal();
    closeTemporal = temporal.close;
    deadDb = knex({
      client: 'pg',
      connection: `postgres://postgres@127.0.0.1:${await closedPort()}/nowhere`,
      pool: { min: 0, max: 2 },
      acquireConnectionTimeout: 2_000,
      // The refused connections are the point of this suite; knex need not report each one.
      log: { warn: () => undefined, error: () => undefined, debug: () => undefined, deprecate: () => undefined },
    });
    api = await startApi({
      db: deadDb,
      temporal: temporal.client,
      taskQueue: 'api-unavailable',
      temporalDeadlineMs: 1_500,
    });
  });

  afterAll(async () => {
    await api.close();
    await deadDb.destroy();
    await closeTemporal();
  });

  it('answers 503 naming Postgres, even before the key can be checked', async () => {
    const response = await call(api, 'GET', '/v1/posts', { key: fixture.users.viewer.apiKey });
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ error: 'service_unavailable', dependency: 'postgres' });
    expectNoInternals(response.text);
  });

  it('stays alive but not ready', async () => {
    expect((await call(api, 'GET', '/healthz')).status).toBe(200);
    const ready = await call(api, 'GET', '/readyz');
    expect(ready.status).toBe(503);
    expect(ready.body.checks.postgres.ok).toBe(false);
  });
});
