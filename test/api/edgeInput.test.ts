/**
 * The hostile requests from the hardening report, one by one: each used to end in a 500, a hang or
 * a wedged post, and each now gets a 4xx naming what is wrong, before anything reaches Postgres or
 * Temporal. Temporal is unreachable here on purpose: none of these answers may need it.
 */
import { gzipSync } from 'node:zlib';
import type { Knex } from 'knex';
import { createTestKnex, insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { call, projectPost, startApi, unreachableTemporal, type ApiResponse, type RunningApi } from './http';

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;
let fixture: BrandFixture;
let draftingPostId: string;

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await startApi({ db, temporal: temporal.client, taskQueue: 'api-edge', temporalDeadlineMs: 1_500 });
  fixture = await insertBrandFixture(db, { platforms: ['x', 'linkedin'], timeZone: 'Europe/Berlin' });
  draftingPostId = (
    await projectPost(db, {
      brandId: fixture.brand.id,
      authorId: fixture.users.author.user.id,
      stage: 'legal_review',
      publishAt: '2027-05-01T08:00:00.000Z',
    })
  ).postId;
});

afterAll(async () => {
  await api.close();
  await closeTemporal();
  await db.destroy();
});

const keyOf = (role: keyof BrandFixture['users']) => fixture.users[role].apiKey;
const forge = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8').toString('base64url');

function newPost(overrides: Record<string, unknown> = {}) {
  return {
    brandId: fixture.brand.id,
    title: 'Autumn blend is here',
    riskTier: 'standard',
    publishAt: '2027-03-01T09:00',
    targets: [{ accountId: fixture.accounts[0].id }],
    ...overrides,
  };
}

function expectRefusal(response: ApiResponse, status: number, error: string): void {
  expect({ status: response.status, error: response.body?.error }).toEqual({ status, error });
  expect(response.body.message).toEqual(expect.any(String));
  expect(response.text).not.toMatch(/at .*\.(js|ts):\d+/);
}

function issuePaths(response: ApiResponse): string[] {
  return (response.body.issues ?? []).map((issue: { path: unknown[] }) => issue.path.join('.'));
}

describe('the calendar', () => {
  it('answers the last month of year 9999 with its 31 days', async () => {
    const response = await call(api, 'GET', '/v1/calendar?from=9999-12-01&to=9999-12-31', { key: keyOf('viewer') });
    expect(response.status).toBe(200);
    expect(response.body.days).toHaveLength(31);
    expect(response.body.days[30]).toEqual({ day: '9999-12-31', posts: [] });
  });

  it.each([
    ['0000-01-01', '0000-01-31', 'from'],
    ['0001-01-01', '0001-01-31', 'from'],
    ['2026-12-01', '10000-01-01', 'to'],
    ['2026-02-29', '2026-03-01', 'from'],
  ])('refuses from=%s to=%s naming %s', async (from, to, field) => {
    const response = await call(api, 'GET', `/v1/calendar?from=${from}&to=${to}`, { key: keyOf('viewer') });
    expectRefusal(response, 400, 'invalid_input');
    expect(issuePaths(response)).toContain(field);
  });

  it('covers at most 92 days', async () => {
    const longest = await call(api, 'GET', '/v1/calendar?from=2027-01-01&to=2027-04-02', { key: keyOf('viewer') });
    expect(longest.status).toBe(200);
    expect(longest.body.days).toHaveLength(92);
    const tooLong = await call(api, 'GET', '/v1/calendar?from=2027-01-01&to=2027-04-03', { key: keyOf('viewer') });
    expectRefusal(tooLong, 400, 'invalid_input');
    expect(tooLong.body.issues[0]).toMatchObject({ path: ['to'], message: 'a calendar covers at most 92 days' });
  });
});

describe('free text', () => {
  it.each([
    ['a NUL', 'Autumn\u0000blend', 'control character U+0000'],
    ['a lone surrogate', 'Autumn \ud83d blend', 'unpaired UTF-16 surrogate'],
    ['a line break', 'Autumn\nblend', 'control character U+000A'],
    ['only a zero-width space', '\u200b', 'must contain visible text'],
    ['201 characters', 'a'.repeat(201), 'at most 200 characters'],
  ])('refuses a title with %s, naming the field', async (_label, title, message) => {
    const response = await call(api, 'POST', '/v1/posts', { key: keyOf('author'), body: newPost({ title }) });
    expectRefusal(response, 400, 'invalid_input');
    expect(response.body.issues).toEqual([
      expect.objectContaining({ path: ['title'], message: expect.stringContaining(message) }),
    ]);
  });

  it('counts a title in characters as people see them: 30 family emoji fit in 200', async () => {
    const family = '\u{1F468}\u200D\u{1F469}\u200D\u{1F467}\u200D\u{1F466}';
    const response = await call(api, 'POST', '/v1/posts', {
      key: keyOf('author'),
      body: newPost({ title: family.repeat(30) }),
    });
    // Past validation, the request needs Temporal, which is down in this file.
    expect(response.status).toBe(503);
    expect(response.body.dependency).toBe('temporal');
  });

  it.each<[string, string, Record<string, unknown>, string]>([
    [
      'a review comment with a NUL',
      'reviews',
      { stage: 'legal_review', revision: 1, decision: 'reject', comment: 'no\u0000' },
      'comment',
    ],
    [
      'a review comment with a lone surrogate',
      'reviews',
      { stage: 'legal_review', revision: 1, decision: 'reject', comment: '\udc00' },
      'comment',
    ],
    [
      'a blank review comment',
      'reviews',
      { stage: 'legal_review', revision: 1, decision: 'request_changes', comment: ' \u200b ' },
      'comment',
    ],
    ['a cancel reason with a NUL', 'cancel', { reason: 'dropped\u0000' }, 'reason'],
    ['a cancel reason with a lone surrogate', 'cancel', { reason: '\ud83d' }, 'reason'],
    ['variant text with a NUL', 'revisions', { variants: [{ accountId: 'any', text: 'hi\u0000' }] }, 'variants.0.text'],
    [
      'a revision note with a DEL',
      'revisions',
      { variants: [{ accountId: 'any', text: 'hi' }], note: 'n\u007f' },
      'note',
    ],
    [
      'a media URL with a NUL',
      'revisions',
      {
        variants: [
          { accountId: 'any', text: 'hi', media: [{ url: 'https://example.com/a\u0000.png', kind: 'image' }] },
        ],
      },
      'variants.0.media.0.url',
    ],
    [
      'a language that is not a language tag',
      'revisions',
      { variants: [{ accountId: 'any', text: 'hi', languages: ['english language'] }] },
      'variants.0.languages.0',
    ],
    [
      'more languages than Bluesky takes',
      'revisions',
      { variants: [{ accountId: 'any', text: 'hi', languages: ['en', 'de', 'fr', 'es'] }] },
      'variants.0.languages',
    ],
    [
      'a quote of a web page instead of an at:// post',
      'revisions',
      { variants: [{ accountId: 'any', text: 'hi', quoteOf: 'https://bsky.app/profile/a.test/post/3k' }] },
      'variants.0.quoteOf',
    ],
  ])('refuses %s before the workflow sees it', async (_label, action, body, field) => {
    const response = await call(api, 'POST', `/v1/posts/${draftingPostId}/${action}`, { key: keyOf('manager'), body });
    expectRefusal(response, 400, 'invalid_input');
    expect(issuePaths(response)).toContain(field);
  });

  it('refuses a pause reason with a NUL', async () => {
    const response = await call(api, 'POST', `/v1/brands/${fixture.brand.id}/pause`, {
      key: keyOf('manager'),
      body: { reason: 'stop\u0000' },
    });
    expectRefusal(response, 400, 'invalid_input');
    expect(issuePaths(response)).toEqual(['reason']);
  });
});

describe('dates and zones', () => {
  it.each([
    ['0000-01-01T09:00', 'outside the years'],
    ['0001-01-01T09:00:00Z', 'outside the years'],
    ['2027-03-01T09:00:00+25:00', 'offsets run from -14:00 to +14:00'],
    ['2020-01-01T09:00', 'is in the past'],
    ['2062-01-01T09:00', 'more than 10 years ahead'],
  ])('refuses the publish time %s', async (publishAt, message) => {
    const response = await call(api, 'POST', '/v1/posts', { key: keyOf('author'), body: newPost({ publishAt }) });
    expectRefusal(response, 400, 'invalid_input');
    expect(response.body.issues[0]).toMatchObject({ path: ['publishAt'], message: expect.stringContaining(message) });
  });

  it('refuses a reschedule into the past before asking the workflow', async () => {
    const response = await call(api, 'POST', `/v1/posts/${draftingPostId}/reschedule`, {
      key: keyOf('manager'),
      body: { publishAt: '2020-01-01T09:00:00Z' },
    });
    expectRefusal(response, 400, 'invalid_input');
    expect(response.body.issues[0]).toMatchObject({
      path: ['publishAt'],
      message: expect.stringContaining('in the past'),
    });
  });

  it.each(['0000-01-01T00:00:00Z', '2027-01-01T00:00:00+25:00', '1969-12-31T23:59:59Z', '+275760-09-13T00:00:00Z'])(
    'refuses the list window bound %s',
    async (bound) => {
      const response = await call(api, 'GET', `/v1/posts?publishFrom=${encodeURIComponent(bound)}`, {
        key: keyOf('viewer'),
      });
      expectRefusal(response, 400, 'invalid_input');
      expect(issuePaths(response)).toEqual(['publishFrom']);
    },
  );

  it('refuses an offset too deep to page to', async () => {
    for (const offset of ['1e308', '10001']) {
      const response = await call(api, 'GET', `/v1/posts?offset=${offset}`, { key: keyOf('viewer') });
      expectRefusal(response, 400, 'invalid_input');
      expect([...new Set(issuePaths(response))]).toEqual(['offset']);
    }
  });

  it('refuses a sequence no audit entry can have', async () => {
    const response = await call(api, 'GET', `/v1/posts/${draftingPostId}/audit?afterSequence=99999999999999`, {
      key: keyOf('viewer'),
    });
    expectRefusal(response, 400, 'invalid_input');
  });
});

describe('cursors', () => {
  it.each([
    ['["1","x"]', forge(['1', 'x'])],
    ['["2027","a"]', forge(['2027', 'a'])],
    ['a date beyond what JavaScript holds', forge(['+275761-01-01T00:00:00.000Z', 'a'])],
    ['a NUL in the id', forge(['2027-05-01T08:00:00.000Z', 'a\u0000'])],
    ['standard base64 with padding', Buffer.from('["2027-05-01T08:00:00.000Z","a"]').toString('base64')],
  ])('refuses a forged cursor holding %s', async (_label, cursor) => {
    const response = await call(api, 'GET', `/v1/posts?cursor=${encodeURIComponent(cursor)}`, {
      key: keyOf('viewer'),
    });
    expectRefusal(response, 400, 'invalid_input');
    expect(issuePaths(response)).toEqual(['cursor']);
  });
});

describe('paths, methods and bodies', () => {
  it.each(['GET', 'POST', 'PUT', 'DELETE', 'PATCH'])(
    'refuses bad percent-encoding in the path with %s',
    async (method) => {
      for (const path of ['/v1/posts/%ZZ', '/v1/posts/%', '/v1/posts/%C0%AE', '/v1/posts/%ED%A0%BD/reviews']) {
        const response = await call(api, method, path, { key: keyOf('manager') });
        expectRefusal(response, 400, 'invalid_input');
        expect(response.body.message).toMatch(/percent-encoded/);
      }
    },
  );

  it('answers a method a path does not take with 405 and the methods it does', async () => {
    const response = await call(api, 'DELETE', `/v1/posts/${draftingPostId}`, { key: keyOf('manager') });
    expectRefusal(response, 405, 'method_not_allowed');
    expect(response.headers.get('allow')).toBe('GET, HEAD, OPTIONS');
    const onCollection = await call(api, 'PUT', '/v1/posts', { key: keyOf('manager'), body: {} });
    expect(onCollection.status).toBe(405);
    expect(onCollection.headers.get('allow')).toBe('GET, HEAD, OPTIONS, POST');
  });

  it('tells OPTIONS which methods a path takes', async () => {
    const response = await call(api, 'OPTIONS', `/v1/posts/${draftingPostId}/cancel`);
    expect(response.status).toBe(204);
    expect(response.headers.get('allow')).toBe('OPTIONS, POST');
  });

  it.each([
    ['an array', '[1, 2]', 'an array'],
    ['a string', '"cancel"', 'a string'],
    ['a number', '42', 'a number'],
    ['null', 'null', 'null'],
  ])('says the body must be an object when it is %s', async (_label, rawBody, described) => {
    const response = await call(api, 'POST', `/v1/posts/${draftingPostId}/cancel`, {
      key: keyOf('manager'),
      rawBody,
    });
    expectRefusal(response, 400, 'invalid_input');
    expect(response.body.message).toBe(`The request body must be a JSON object ({...}), not ${described}`);
  });

  it.each(['gzip', 'deflate', 'br'])('refuses a body declared %s that is not compressed', async (encoding) => {
    const response = await call(api, 'POST', `/v1/posts/${draftingPostId}/cancel`, {
      key: keyOf('manager'),
      rawBody: JSON.stringify({ reason: 'dropped' }),
      headers: { 'content-encoding': encoding },
    });
    expectRefusal(response, 400, 'invalid_input');
    expect(response.body.message).toMatch(/Content-Encoding/);
  });

  it('reads a body that is compressed as declared', async () => {
    const response = await fetch(`${api.baseUrl}/v1/posts/${uniqueId('missing')}/cancel`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${keyOf('manager')}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync(JSON.stringify({ reason: 'dropped' })),
    });
    // Validation passed; the post does not exist.
    expect(response.status).toBe(404);
  });

  it('refuses an encoding it does not know with 415', async () => {
    const response = await call(api, 'POST', `/v1/posts/${draftingPostId}/cancel`, {
      key: keyOf('manager'),
      rawBody: JSON.stringify({ reason: 'dropped' }),
      headers: { 'content-encoding': 'snappy' },
    });
    expectRefusal(response, 415, 'unsupported_media_type');
  });

  it('refuses a review of a stage that does not exist with 400, listing the stages', async () => {
    const response = await call(api, 'POST', `/v1/posts/${draftingPostId}/reviews`, {
      key: keyOf('legal'),
      body: { stage: 'nonsense', revision: 1, decision: 'approve' },
    });
    expectRefusal(response, 400, 'invalid_input');
    expect(response.body.issues[0]).toMatchObject({
      path: ['stage'],
      message: expect.stringContaining('legal_review'),
    });
  });
});
