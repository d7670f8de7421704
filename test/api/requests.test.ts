/**
 * The API's edge over real HTTP: authentication, validation, error bodies and the read side
 * served from the Postgres projection. Temporal is deliberately unreachable here: none of these
 * answers may depend on it (or, for a post's state, they fall back without it).
 */
import type { Knex } from 'knex';
import { createAuditLog } from '../../db/audit';
import { createUserStore } from '../../db/users';
import {
  createTestKnex,
  insertAccount,
  insertBrandFixture,
  insertCampaign,
  insertUser,
  uniqueId,
  type BrandFixture,
} from '../helpers/db';
import { call, projectPost, startApi, unreachableTemporal, type RunningApi } from './http';

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;
let fixture: BrandFixture;
let otherBrand: BrandFixture;

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await startApi({ db, temporal: temporal.client, taskQueue: 'api-requests', temporalDeadlineMs: 1_500 });
  fixture = await insertBrandFixture(db, { platforms: ['x', 'linkedin', 'instagram'], timeZone: 'Europe/Berlin' });
  otherBrand = await insertBrandFixture(db, { platforms: ['x'], timeZone: 'America/New_York' });
});

afterAll(async () => {
  await api.close();
  await closeTemporal();
  await db.destroy();
});

const keyOf = (role: keyof BrandFixture['users']) => fixture.users[role].apiKey;

function validPost(overrides: Record<string, unknown> = {}) {
  return {
    brandId: fixture.brand.id,
    title: 'Autumn blend is here',
    riskTier: 'standard',
    publishAt: '2027-03-01T09:00',
    targets: [{ accountId: fixture.accounts[0].id }],
    ...overrides,
  };
}

describe('authentication', () => {
  it('answers liveness without a key', async () => {
    const response = await call(api, 'GET', '/healthz');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ status: 'ok' });
  });

  it('refuses a request without a key with 401 and a bearer challenge', async () => {
    const response = await call(api, 'GET', '/v1/posts');
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(response.body).toMatchObject({ error: 'unauthenticated', requestId: expect.any(String) });
  });

  it('refuses an Authorization header that is not a bearer key', async () => {
    const response = await call(api, 'GET', '/v1/posts', { headers: { authorization: 'Basic dXNlcjpwYXNz' } });
    expect(response.status).toBe(401);
    expect(response.body.message).toMatch(/Bearer/);
  });

  it('refuses an unknown key', async () => {
    const response = await call(api, 'GET', '/v1/posts', { key: 'sok_not-a-real-key' });
    expect(response.status).toBe(401);
    expect(response.body.message).toBe('Unknown or revoked API key');
  });

  it('refuses a key once it has been revoked', async () => {
    const { user, apiKey } = await insertUser(db, { roles: ['viewer'], brandId: fixture.brand.id });
    expect((await call(api, 'GET', '/v1/posts', { key: apiKey })).status).toBe(200);
    const users = createUserStore(db);
    const [record] = await users.listApiKeys({ userId: user.id });
    await users.revokeApiKey({ apiKeyId: record.id });
    expect((await call(api, 'GET', '/v1/posts', { key: apiKey })).status).toBe(401);
  });

  it('echoes a caller-supplied request id and makes one up otherwise', async () => {
    const echoed = await call(api, 'GET', '/v1/posts', { headers: { 'x-request-id': 'trace-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('trace-123');
    expect(echoed.body.requestId).toBe('trace-123');
    const generated = await call(api, 'GET', '/v1/posts');
    expect(generated.body.requestId).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe('bad input', () => {
  it('lists every zod issue with its path when a new post is invalid', async () => {
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: { brandId: fixture.brand.id, riskTier: 'extreme', flags: ['pricing', 'gossip'], publishAt: '' },
    });
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_input');
    const paths = response.body.issues.map((issue: { path: unknown[] }) => issue.path.join('.'));
    expect(paths).toEqual(expect.arrayContaining(['title', 'riskTier', 'flags.1', 'publishAt']));
  });

  it('requires either targets or a draft, and not both', async () => {
    const neither = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ targets: undefined }),
    });
    expect(neither.status).toBe(400);
    expect(neither.body.issues[0].path).toEqual(['targets']);
    const both = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ draft: { variants: [{ accountId: fixture.accounts[0].id, text: 'hi' }] } }),
    });
    expect(both.status).toBe(400);
    expect(both.body.issues[0].path).toEqual(['draft']);
  });

  it('answers malformed JSON with 400, not 500', async () => {
    const response = await call(api, 'POST', '/v1/posts', { key: keyOf('author'), rawBody: '{"title": "unterminated' });
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'malformed_json', message: 'The request body is not valid JSON' });
    expect(response.text).not.toMatch(/at .*\.js:\d+/);
  });

  it('asks for JSON when a body comes in another content type (415)', async () => {
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      rawBody: 'title=Autumn',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(415);
    expect(response.body.error).toBe('unsupported_media_type');
  });

  it('refuses a body over 256kb with 413', async () => {
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ brief: 'x'.repeat(300 * 1024) }),
    });
    expect(response.status).toBe(413);
    expect(response.body.error).toBe('payload_too_large');
  });

  it("refuses accounts that are not the brand's, naming the offending variant", async () => {
    const foreign = otherBrand.accounts[0];
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ targets: [{ accountId: fixture.accounts[0].id }, { accountId: foreign.id }] }),
    });
    expect(response.status).toBe(400);
    expect(response.body.issues).toEqual([
      expect.objectContaining({ path: ['targets', 1, 'accountId'], message: expect.stringContaining(foreign.id) }),
    ]);
  });

  it('refuses a campaign of another brand', async () => {
    const campaign = await insertCampaign(db, { brandId: otherBrand.brand.id });
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ campaignId: campaign.id }),
    });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toEqual(['campaignId']);
  });

  it('refuses a local publish time that the clocks skip over', async () => {
    // Berlin moves from 02:00 to 03:00 on 28 March 2027.
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ publishAt: '2027-03-28T02:30' }),
    });
    expect(response.status).toBe(400);
    expect(response.body.issues[0]).toMatchObject({
      path: ['publishAt'],
      message: expect.stringContaining('does not exist'),
    });
  });

  it('refuses an unknown time zone', async () => {
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: validPost({ timeZone: 'Mars/Olympus' }),
    });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toEqual(['timeZone']);
  });

  it('requires a comment to reject or request changes', async () => {
    const response = await call(api, 'POST', `/v1/posts/${uniqueId('post')}/reviews`, {
      key: keyOf('legal'),
      body: { stage: 'legal_review', revision: 1, decision: 'reject' },
    });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toEqual(['comment']);
  });

  it('answers 404 with a JSON body for a route that does not exist', async () => {
    const response = await call(api, 'GET', '/v1/nothing-here', { key: keyOf('viewer') });
    expect(response.status).toBe(404);
    expect(response.body.error).toBe('not_found');
  });
});

describe('unknown posts', () => {
  it.each<[string, string, object | undefined]>([
    ['GET', '', undefined],
    ['GET', '/audit', undefined],
    ['POST', '/cancel', { reason: 'not needed' }],
    ['POST', '/publish-now', {}],
  ])('answers %s /v1/posts/:id%s for an unknown post with 404', async (method, suffix, body) => {
    const response = await call(api, method, `/v1/posts/${uniqueId('missing')}${suffix}`, {
      key: keyOf('manager'),
      body,
    });
    expect(response.status).toBe(404);
    expect(response.body).toMatchObject({ error: 'not_found', message: 'No such post' });
  });

  it("hides another brand's post as if it did not exist", async () => {
    const post = await projectPost(db, {
      brandId: otherBrand.brand.id,
      authorId: otherBrand.users.author.user.id,
      stage: 'drafting',
      publishAt: '2027-04-01T10:00:00.000Z',
    });
    expect((await call(api, 'GET', `/v1/posts/${post.postId}`, { key: keyOf('manager') })).status).toBe(404);
    expect((await call(api, 'GET', `/v1/posts/${post.postId}`, { key: otherBrand.users.viewer.apiKey })).status).toBe(
      200,
    );
  });
});

describe('reading posts from the projection', () => {
  let brandId: string;
  let author: string;
  let viewerKey: string;
  let campaignId: string;
  let ids: Record<string, string>;

  beforeAll(async () => {
    const listed = await insertBrandFixture(db, { platforms: ['x', 'linkedin'] });
    brandId = listed.brand.id;
    author = listed.users.author.user.id;
    viewerKey = listed.users.viewer.apiKey;
    campaignId = (await insertCampaign(db, { brandId })).id;
    const [x, linkedin] = listed.accounts;
    const variant = (account: typeof x, status: 'pending' | 'published') => ({
      accountId: account.id,
      platform: account.platform,
      status,
      attempts: status === 'published' ? 1 : 0,
    });
    ids = {
      drafting: (
        await projectPost(db, { brandId, authorId: author, stage: 'drafting', publishAt: '2027-05-01T08:00:00.000Z' })
      ).postId,
      scheduledX: (
        await projectPost(db, {
          brandId,
          authorId: author,
          stage: 'scheduled',
          campaignId,
          publishAt: '2027-05-02T08:00:00.000Z',
          variants: [variant(x, 'pending')],
        })
      ).postId,
      scheduledLinkedin: (
        await projectPost(db, {
          brandId,
          authorId: author,
          stage: 'scheduled',
          publishAt: '2027-05-03T08:00:00.000Z',
          variants: [variant(linkedin, 'pending')],
        })
      ).postId,
      published: (
        await projectPost(db, {
          brandId,
          authorId: author,
          stage: 'published',
          campaignId,
          publishAt: '2027-05-04T08:00:00.000Z',
          variants: [variant(x, 'published'), variant(linkedin, 'published')],
        })
      ).postId,
    };
  });

  const listIds = async (query: string) => {
    const response = await call(api, 'GET', `/v1/posts?${query}`, { key: viewerKey });
    expect(response.status).toBe(200);
    return response.body.items.map((item: { id: string }) => item.id);
  };

  it('filters by stage, campaign, platform and publish window', async () => {
    expect(await listIds('stage=scheduled')).toEqual([ids.scheduledX, ids.scheduledLinkedin]);
    expect(await listIds(`campaignId=${campaignId}`)).toEqual([ids.scheduledX, ids.published]);
    expect(await listIds('platform=linkedin')).toEqual([ids.scheduledLinkedin, ids.published]);
    expect(await listIds('publishFrom=2027-05-02T00:00:00Z&publishTo=2027-05-04T00:00:00Z')).toEqual([
      ids.scheduledX,
      ids.scheduledLinkedin,
    ]);
  });

  it('pages with a cursor and counts the total across pages', async () => {
    const first = await call(api, 'GET', '/v1/posts?limit=3', { key: viewerKey });
    expect(first.body).toMatchObject({ total: 4, limit: 3, nextCursor: expect.any(String) });
    expect(first.body.items.map((item: { id: string }) => item.id)).toEqual([
      ids.drafting,
      ids.scheduledX,
      ids.scheduledLinkedin,
    ]);
    const second = await call(api, 'GET', `/v1/posts?limit=3&cursor=${first.body.nextCursor}`, { key: viewerKey });
    expect(second.body.items.map((item: { id: string }) => item.id)).toEqual([ids.published]);
    expect(second.body).toMatchObject({ total: 4, nextCursor: null });
  });

  it('offers a next page after a page of the largest size', async () => {
    const crowded = await insertBrandFixture(db, { platforms: ['x'] });
    const crowdedAuthor = crowded.users.author.user.id;
    for (let i = 0; i < 201; i += 1) {
      await projectPost(db, {
        brandId: crowded.brand.id,
        authorId: crowdedAuthor,
        stage: 'scheduled',
        publishAt: `2027-06-${String(1 + (i % 28)).padStart(2, '0')}T09:00:00.000Z`,
      });
    }
    const key = crowded.users.viewer.apiKey;
    const first = await call(api, 'GET', '/v1/posts?limit=200', { key });
    expect(first.body).toMatchObject({ total: 201, limit: 200, nextCursor: expect.any(String) });
    expect(first.body.items).toHaveLength(200);
    const second = await call(api, 'GET', `/v1/posts?limit=200&cursor=${first.body.nextCursor}`, { key });
    expect(second.body.items).toHaveLength(1);
    expect(second.body.nextCursor).toBeNull();
    const seen = new Set([...first.body.items, ...second.body.items].map((item: { id: string }) => item.id));
    expect(seen.size).toBe(201);
  });

  it('pages with an offset', async () => {
    const response = await call(api, 'GET', '/v1/posts?limit=2&offset=2', { key: viewerKey });
    expect(response.body.items.map((item: { id: string }) => item.id)).toEqual([ids.scheduledLinkedin, ids.published]);
    expect(response.body).toMatchObject({ total: 4, offset: 2, nextCursor: null });
  });

  it('refuses a cursor it did not issue, and cursor with offset', async () => {
    const forged = await call(api, 'GET', '/v1/posts?cursor=bm90LWEtY3Vyc29y', { key: viewerKey });
    expect(forged.status).toBe(400);
    expect(forged.body.issues[0].path).toEqual(['cursor']);
    const both = await call(api, 'GET', '/v1/posts?cursor=abc&offset=1', { key: viewerKey });
    expect(both.status).toBe(400);
  });

  it('refuses a filter value outside the vocabulary', async () => {
    const response = await call(api, 'GET', '/v1/posts?stage=almost_done', { key: viewerKey });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toEqual(['stage']);
  });

  it("serves a post's last projected state, saying so, when Temporal does not answer", async () => {
    const response = await call(api, 'GET', `/v1/posts/${ids.scheduledX}`, { key: viewerKey });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      source: 'projection',
      staleReason: 'Temporal did not answer',
      post: { postId: ids.scheduledX, stage: 'scheduled' },
    });
  });

  it('lists the audit trail in order', async () => {
    const log = createAuditLog(db);
    const entity = `post:${ids.published}`;
    await log.append({
      entity,
      sequence: 2,
      action: 'approved',
      actorId: 'fiona',
      fromStage: 'final_approval',
      toStage: 'scheduled',
      at: '2027-05-01T10:00:00.000Z',
      detail: {},
    });
    await log.append({
      entity,
      sequence: 1,
      action: 'created',
      actorId: author,
      fromStage: null,
      toStage: 'drafting',
      at: '2027-05-01T09:00:00.000Z',
      detail: {},
    });
    const response = await call(api, 'GET', `/v1/posts/${ids.published}/audit`, { key: viewerKey });
    expect(response.status).toBe(200);
    expect(
      response.body.entries.map((entry: { sequence: number; action: string }) => [entry.sequence, entry.action]),
    ).toEqual([
      [1, 'created'],
      [2, 'approved'],
    ]);
    const later = await call(api, 'GET', `/v1/posts/${ids.published}/audit?afterSequence=1`, { key: viewerKey });
    expect(later.body.entries).toHaveLength(1);
  });
});

describe('review queue', () => {
  it("lists what waits on the caller's roles, soonest deadline first, without their own posts", async () => {
    const queued = await insertBrandFixture(db, { platforms: ['x'] });
    const author = queued.users.author.user.id;
    const deadline = (stage: string, escalateAt: string, decidingRoles: string[], escalated = false) => ({
      stage,
      openedAt: '2027-06-01T08:00:00.000Z',
      remindAt: '2027-06-01T09:00:00.000Z',
      escalateAt,
      forceAt: '2027-06-03T08:00:00.000Z',
      escalated,
      onTimeout: 'hold' as const,
      decidingRoles,
    });
    const later = await projectPost(db, {
      brandId: queued.brand.id,
      authorId: author,
      stage: 'legal_review',
      publishAt: '2027-06-10T08:00:00.000Z',
      deadlines: [deadline('legal_review', '2027-06-02T12:00:00.000Z', ['legal'])],
    });
    const sooner = await projectPost(db, {
      brandId: queued.brand.id,
      authorId: author,
      stage: 'legal_review',
      publishAt: '2027-06-11T08:00:00.000Z',
      deadlines: [deadline('legal_review', '2027-06-01T12:00:00.000Z', ['legal'])],
    });
    await projectPost(db, {
      brandId: queued.brand.id,
      authorId: author,
      stage: 'design',
      publishAt: '2027-06-12T08:00:00.000Z',
      deadlines: [deadline('design', '2027-06-01T10:00:00.000Z', ['designer'])],
    });
    const legalAuthor = await insertUser(db, { roles: ['legal'], brandId: queued.brand.id });
    const byLegalAuthor = await projectPost(db, {
      brandId: queued.brand.id,
      authorId: legalAuthor.user.id,
      stage: 'legal_review',
      publishAt: '2027-06-13T08:00:00.000Z',
      deadlines: [deadline('legal_review', '2027-06-01T09:00:00.000Z', ['legal'])],
    });

    const forLegal = await call(api, 'GET', '/v1/review-queue', { key: queued.users.legal.apiKey });
    expect(forLegal.status).toBe(200);
    expect(forLegal.body.items.map((item: { post: { id: string } }) => item.post.id)).toEqual([
      byLegalAuthor.postId,
      sooner.postId,
      later.postId,
    ]);
    expect(forLegal.body.items[1]).toMatchObject({
      dueAt: '2027-06-01T12:00:00.000Z',
      deadlines: [{ stage: 'legal_review' }],
    });

    const ownExcluded = await call(api, 'GET', '/v1/review-queue', { key: legalAuthor.apiKey });
    expect(ownExcluded.body.items.map((item: { post: { id: string } }) => item.post.id)).toEqual([
      sooner.postId,
      later.postId,
    ]);

    const forViewer = await call(api, 'GET', '/v1/review-queue', { key: queued.users.viewer.apiKey });
    expect(forViewer.body.items).toEqual([]);
  });
});

describe('calendar', () => {
  it("groups scheduled and published posts by day in the brand's time zone", async () => {
    const planned = await insertBrandFixture(db, { platforms: ['x'], timeZone: 'America/New_York' });
    const author = planned.users.author.user.id;
    // 03:30 UTC on the 2nd is still the evening of the 1st in New York.
    const lateEvening = await projectPost(db, {
      brandId: planned.brand.id,
      authorId: author,
      stage: 'scheduled',
      publishAt: '2027-07-02T03:30:00.000Z',
    });
    const morning = await projectPost(db, {
      brandId: planned.brand.id,
      authorId: author,
      stage: 'published',
      publishAt: '2027-07-02T13:00:00.000Z',
    });
    await projectPost(db, {
      brandId: planned.brand.id,
      authorId: author,
      stage: 'legal_review',
      publishAt: '2027-07-02T14:00:00.000Z',
    });
    await projectPost(db, {
      brandId: planned.brand.id,
      authorId: author,
      stage: 'scheduled',
      publishAt: '2027-07-04T14:00:00.000Z',
    });

    const response = await call(api, 'GET', '/v1/calendar?from=2027-07-01&to=2027-07-03', {
      key: planned.users.viewer.apiKey,
    });
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({ brandId: planned.brand.id, timeZone: 'America/New_York' });
    const days = response.body.days.map((day: { day: string; posts: Array<{ id: string; localTime: string }> }) => [
      day.day,
      day.posts.map((post) => `${post.id}@${post.localTime}`),
    ]);
    expect(days).toEqual([
      ['2027-07-01', [`${lateEvening.postId}@23:30`]],
      ['2027-07-02', [`${morning.postId}@09:00`]],
      ['2027-07-03', []],
    ]);
  });

  it('needs a brand for callers who work for every brand', async () => {
    const admin = await insertUser(db, { roles: ['admin'], brandId: null });
    const response = await call(api, 'GET', '/v1/calendar?from=2027-07-01&to=2027-07-03', { key: admin.apiKey });
    expect(response.status).toBe(400);
    expect(response.body.message).toMatch(/brandId is required/);
  });

  it('refuses a range that ends before it starts', async () => {
    const response = await call(api, 'GET', '/v1/calendar?from=2027-07-05&to=2027-07-01', { key: keyOf('viewer') });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toEqual(['to']);
  });
});

describe('brand pause', () => {
  it("answers 404 for a brand that does not exist or is not the caller's", async () => {
    const missing = await call(api, 'POST', `/v1/brands/${uniqueId('nobrand')}/pause`, {
      key: keyOf('manager'),
      body: {},
    });
    expect(missing.status).toBe(404);
    const foreign = await call(api, 'POST', `/v1/brands/${otherBrand.brand.id}/pause`, {
      key: keyOf('manager'),
      body: {},
    });
    expect(foreign.status).toBe(404);
    const unseen = await call(api, 'GET', `/v1/brands/${otherBrand.brand.id}/publishing`, { key: keyOf('viewer') });
    expect(unseen.status).toBe(404);
  });
});

describe('accounts used in a revision', () => {
  it('refuses a revision naming an account of another brand before asking the workflow', async () => {
    const post = await projectPost(db, {
      brandId: fixture.brand.id,
      authorId: fixture.users.author.user.id,
      stage: 'drafting',
      publishAt: '2027-08-01T08:00:00.000Z',
    });
    const stranger = await insertAccount(db, { brandId: otherBrand.brand.id, platform: 'linkedin' });
    const response = await call(api, 'POST', `/v1/posts/${post.postId}/revisions`, {
      key: keyOf('author'),
      body: { variants: [{ accountId: stranger.id, text: 'hello' }] },
    });
    expect(response.status).toBe(400);
    expect(response.body.issues[0].path).toEqual(['variants', 0, 'accountId']);
  });
});
