/**
 * The inbound budget: each account may deliver so many events a minute, counted in events, and
 * beyond that gets 429 with Retry-After, while other accounts, unsigned requests and the agents'
 * API are untouched. Temporal is unreachable here: a delivery the budget lets through goes on to
 * Temporal and gets 503, one it refuses gets 429 before that.
 */
import type { Knex } from 'knex';
import { signInboundBody } from '../../api/inboundSignature';
import { createInboundBudget } from '../../api/inboundBudget';
import { createTestKnex, insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { call, startApi, unreachableTemporal, type RunningApi } from './http';

const EVENTS_PER_MINUTE = 5;

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;
let fixture: BrandFixture;
const secrets: Record<string, string> = {};

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await startApi({
    db,
    temporal: temporal.client,
    taskQueue: 'inbound-rate-limit',
    temporalDeadlineMs: 500,
    inboundRateLimitPerMinute: EVENTS_PER_MINUTE,
  });
  fixture = await insertBrandFixture(db, { platforms: ['x', 'linkedin'] });
  for (const account of fixture.accounts) {
    const rotated = await call(api, 'POST', `/v1/accounts/${account.id}/inbound-secret`, {
      key: fixture.users.admin.apiKey,
      body: {},
    });
    secrets[account.id] = rotated.body.secret as string;
  }
});

afterAll(async () => {
  await api?.close();
  await closeTemporal?.();
  await db?.destroy();
});

function deliver(accountId: string, count: number, signWith: string | null = secrets[accountId]) {
  const threadId = uniqueId('t');
  const rawBody = JSON.stringify({
    events: Array.from({ length: count }, () => ({
      threadId,
      messageId: uniqueId('m'),
      kind: 'comment',
      author: { id: 'fan-1', handle: '@fan' },
      text: 'Love it',
      sentAt: '2027-03-01T08:00:00Z',
    })),
  });
  return call(api, 'POST', `/v1/inbound/${accountId}`, {
    rawBody,
    headers: signWith === null ? {} : { 'x-socialops-signature': signInboundBody(rawBody, signWith) },
  });
}

describe('the inbound rate limit', () => {
  it("counts an account's events, not its requests, and answers 429 with Retry-After beyond the limit", async () => {
    const [flooding, quiet] = fixture.accounts.map((account) => account.id);
    // Unsigned deliveries spend nothing of the account's budget.
    for (let i = 0; i < 3; i += 1) expect((await deliver(flooding, 3, null)).status).toBe(401);

    expect((await deliver(flooding, 3)).status).toBe(503);
    expect((await deliver(flooding, 2)).status).toBe(503);
    const refused = await deliver(flooding, 1);
    expect(refused.status).toBe(429);
    expect(refused.body).toMatchObject({
      error: 'rate_limited',
      message: expect.stringMatching(/5 events per minute/),
    });
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);

    // Another account of the same brand keeps its own budget, and the agents keep working.
    expect((await deliver(quiet, 5)).status).toBe(503);
    expect((await call(api, 'GET', '/v1/threads', { key: fixture.users.agent.apiKey })).status).toBe(200);
  });
});

describe('the inbound budget', () => {
  it('refuses a batch that does not fit without spending it, and starts afresh after the minute', () => {
    let now = 1_000_000;
    const budget = createInboundBudget({ perMinute: 100, now: () => now });
    expect(budget.spend('a', 60)).toBeUndefined();
    const refusal = budget.spend('a', 50);
    expect(refusal?.status).toBe(429);
    expect(refusal?.details).toEqual({ retryAfterSeconds: 60 });
    // The refused 50 were not spent: 40 still fit.
    expect(budget.spend('a', 40)).toBeUndefined();
    now += 45_000;
    expect(budget.spend('a', 1)?.details).toEqual({ retryAfterSeconds: 15 });
    now += 15_000;
    expect(budget.spend('a', 100)).toBeUndefined();
  });

  it('lets everything through when there is no limit', () => {
    const budget = createInboundBudget({ perMinute: 0 });
    for (let i = 0; i < 1000; i += 1) expect(budget.spend('a', 100)).toBeUndefined();
  });
});
