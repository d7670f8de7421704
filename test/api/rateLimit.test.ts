/**
 * Request budgets over HTTP: every user has their own, requests without a valid key share one per
 * client address, probes and metrics are never refused, and without a limit nothing is.
 */
import http from 'node:http';
import type { Knex } from 'knex';
import { createTestKnex, insertBrandFixture, type BrandFixture } from '../helpers/db';
import { call, startApi, unreachableTemporal, type RunningApi } from './http';

const LIMIT = 3;

let db: Knex;
let closeTemporal: () => Promise<void>;
let temporalClient: Awaited<ReturnType<typeof unreachableTemporal>>['client'];
let fixture: BrandFixture;
const started: RunningApi[] = [];

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  temporalClient = temporal.client;
  closeTemporal = temporal.close;
  fixture = await insertBrandFixture(db);
});

afterAll(async () => {
  await Promise.all(started.map((api) => api.close()));
  await closeTemporal?.();
  await db?.destroy();
});

/** Each test gets an app of its own, so that budgets spent in one never show in another. */
async function apiLimitedTo(
  rateLimitPerMinute: number | undefined,
  options: { trustProxy?: number | string[] } = {},
): Promise<RunningApi> {
  const api = await startApi({
    db,
    temporal: temporalClient,
    taskQueue: 'api-rate-limit',
    temporalDeadlineMs: 500,
    rateLimitPerMinute,
    ...options,
  });
  started.push(api);
  return api;
}

const keyOf = (role: keyof BrandFixture['users']) => fixture.users[role].apiKey;
const listPosts = (api: RunningApi, key: string) => call(api, 'GET', '/v1/posts', { key });

/** GET from another loopback address, to stand for a second client machine. */
function statusFrom(api: RunningApi, localAddress: string, path: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const request = http.get(
      `${api.baseUrl}${path}`,
      { localAddress, headers: { authorization: `Bearer ${key}` } },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    request.on('error', reject);
  });
}

describe('per user', () => {
  it('answers 429 with Retry-After, the RateLimit headers and a reason once a user has spent the budget, while another user still gets through', async () => {
    const api = await apiLimitedTo(LIMIT);
    for (let used = 1; used <= LIMIT; used++) {
      const allowed = await listPosts(api, keyOf('author'));
      expect(allowed.status).toBe(200);
      expect(allowed.headers.get('ratelimit')).toMatch(new RegExp(`; r=${LIMIT - used}; t=\\d+$`));
    }

    const refused = await listPosts(api, keyOf('author'));
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(refused.body).toEqual({
      error: 'rate_limited',
      message: `rate limit of ${LIMIT} requests per minute exceeded; retry after ${retryAfter} s`,
      requestId: refused.headers.get('x-request-id'),
      retryAfterSeconds: retryAfter,
    });
    expect(refused.headers.get('ratelimit')).toMatch(/; r=0; t=\d+$/);
    expect(refused.headers.get('ratelimit-policy')).toMatch(new RegExp(`; q=${LIMIT}; w=60; `));

    const otherUser = await listPosts(api, keyOf('viewer'));
    expect(otherUser.status).toBe(200);
  });
});

describe('requests without a valid key', () => {
  it('are refused with 429 per client address once that address has spent its own budget', async () => {
    const api = await apiLimitedTo(LIMIT);
    // Requests with a valid key do not use this budget.
    for (let i = 0; i < LIMIT; i++) expect((await listPosts(api, keyOf('manager'))).status).toBe(200);
    for (let i = 0; i < LIMIT; i++) expect((await listPosts(api, `sok_guess-${i}`)).status).toBe(401);

    const refused = await listPosts(api, 'sok_guess-next');
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error: 'rate_limited',
      message: expect.stringMatching(
        new RegExp(
          `^too many requests with a missing or wrong API key from this address \\(limit ${LIMIT} per minute\\); retry after \\d+ s$`,
        ),
      ),
      retryAfterSeconds: Number(refused.headers.get('retry-after')),
    });
    expect(refused.body.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    expect((await call(api, 'GET', '/v1/posts')).status).toBe(429);

    expect(await statusFrom(api, '127.0.0.2', '/v1/posts', 'sok_guess-elsewhere')).toBe(401);
    expect(await statusFrom(api, '127.0.0.2', '/v1/posts', keyOf('author'))).toBe(200);
  });

  it('never refuse a valid key from the same address: colleagues behind one NAT keep working', async () => {
    const api = await apiLimitedTo(LIMIT);
    for (let i = 0; i < LIMIT; i++) expect((await listPosts(api, `sok_typo-${i}`)).status).toBe(401);
    expect((await listPosts(api, 'sok_typo-again')).status).toBe(429);

    for (const role of ['author', 'viewer', 'manager'] as const) {
      const served = await listPosts(api, keyOf(role));
      expect({ role, status: served.status }).toEqual({ role, status: 200 });
      // Served on the user's own budget, whose headers it carries.
      expect(served.headers.get('ratelimit')).toMatch(new RegExp(`; r=${LIMIT - 1}; t=\\d+$`));
    }

    expect((await listPosts(api, 'sok_typo-still')).status).toBe(429);
    expect((await call(api, 'GET', '/v1/posts')).status).toBe(429);
    expect((await listPosts(api, keyOf('author'))).status).toBe(200);
  });
});

describe('behind a reverse proxy', () => {
  const guessVia = (api: RunningApi, forwardedFor: string, key = 'sok_guess') =>
    call(api, 'GET', '/v1/posts', { key, headers: { 'x-forwarded-for': forwardedFor } });

  it('counts failed keys per forwarded client address when the proxy is trusted', async () => {
    const api = await apiLimitedTo(LIMIT, { trustProxy: ['loopback'] });
    for (let i = 0; i < LIMIT; i++) expect((await guessVia(api, '203.0.113.7')).status).toBe(401);
    expect((await guessVia(api, '203.0.113.7')).status).toBe(429);
    // Another client behind the same proxy keeps its own budget.
    expect((await guessVia(api, '198.51.100.20')).status).toBe(401);
    expect((await guessVia(api, '198.51.100.20', keyOf('author'))).status).toBe(200);
  });

  it('ignores X-Forwarded-For from an untrusted peer, so a client cannot pick a fresh address', async () => {
    const api = await apiLimitedTo(LIMIT);
    for (let i = 0; i < LIMIT; i++) expect((await guessVia(api, `203.0.113.${i}`)).status).toBe(401);
    expect((await guessVia(api, '198.51.100.20')).status).toBe(429);
  });
});

describe('probes and metrics', () => {
  it('are never limited, even for an address that has spent every budget', async () => {
    const api = await apiLimitedTo(1);
    expect((await listPosts(api, 'sok_wrong')).status).toBe(401);
    expect((await listPosts(api, 'sok_wrong')).status).toBe(429);
    for (let i = 0; i < 5; i++) {
      expect((await call(api, 'GET', '/healthz')).status).toBe(200);
      expect((await call(api, 'GET', '/metrics')).status).toBe(200);
    }
    // Temporal is unreachable here: not ready, but said so, not refused.
    expect((await call(api, 'GET', '/readyz')).status).toBe(503);
  });
});

describe('without a limit', () => {
  it.each([
    ['0', 0],
    ['not given', undefined],
  ])('refuses nothing when the limit is %s', async (_label, rateLimitPerMinute) => {
    const api = await apiLimitedTo(rateLimitPerMinute);
    const statuses = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const allowed = await listPosts(api, keyOf('author'));
      expect(allowed.headers.get('ratelimit')).toBeNull();
      statuses.add(allowed.status);
      statuses.add((await listPosts(api, 'sok_wrong')).status);
    }
    expect([...statuses].sort()).toEqual([200, 401]);
  });
});
