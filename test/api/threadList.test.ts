/**
 * The conversation list over HTTP: each filter picks exactly the conversations it names, the list
 * comes soonest due first (conversations without a deadline last) and pages by a strict cursor.
 * Read from the projection only, so the threads are written straight into it.
 */
import type { Knex } from 'knex';
import { encodeDueCursor, encodeListCursor } from '../../api/listCursor';
import { createTestKnex, insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { call, startApi, unreachableTemporal, type Json, type RunningApi } from './http';

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;
let fixture: BrandFixture;
let other: BrandFixture;

interface ThreadSeed {
  name: string;
  status?: string;
  priority?: string;
  queue?: string;
  assignee?: 'agent' | 'manager' | null;
  nextDueAt?: string | null;
  breached?: boolean;
  brand?: BrandFixture;
}

/** Thread ids by the name each test gives them. */
const ids: Record<string, string> = {};

async function projectThread(seed: ThreadSeed): Promise<void> {
  const owner = seed.brand ?? fixture;
  const account = owner.accounts[0];
  const externalThreadId = uniqueId(seed.name);
  const id = `${account.id}:${externalThreadId}`;
  ids[seed.name] = id;
  const assignee = seed.assignee ? owner.users[seed.assignee].user.id : null;
  await db('threads').insert({
    id,
    account_id: account.id,
    brand_id: owner.brand.id,
    platform: account.platform,
    external_thread_id: externalThreadId,
    workflow_id: `thread:${id}`,
    status: seed.status ?? 'open',
    priority: seed.priority ?? 'normal',
    category: 'support',
    queue: seed.queue ?? 'customer_care',
    assignee_id: assignee,
    next_due_at: seed.nextDueAt ?? null,
    last_message_at: '2027-03-01T08:00:00.000Z',
    last_sequence: 1,
    state: JSON.stringify({ threadId: id }),
    updated_at: '2027-03-01T08:00:00.000Z',
  });
  if (seed.breached) {
    await db('sla_events').insert({
      thread_id: id,
      clock_id: 'first_response:1',
      kind: 'first_response',
      event: 'breach',
      at: '2027-03-01T09:00:00.000Z',
      detail: JSON.stringify({}),
    });
  }
}

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await startApi({ db, temporal: temporal.client, taskQueue: 'thread-list', temporalDeadlineMs: 500 });
  fixture = await insertBrandFixture(db, { platforms: ['x'] });
  other = await insertBrandFixture(db, { platforms: ['x'] });
  const seeds: ThreadSeed[] = [
    { name: 'late', nextDueAt: '2027-03-01T10:00:00.000Z', priority: 'urgent', assignee: 'agent', breached: true },
    { name: 'soon', nextDueAt: '2027-03-01T12:00:00.000Z', queue: 'legal', assignee: null },
    { name: 'tie-b', nextDueAt: '2027-03-02T09:00:00.000Z', priority: 'high', assignee: 'manager' },
    { name: 'tie-a', nextDueAt: '2027-03-02T09:00:00.000Z', status: 'pending', assignee: 'agent' },
    { name: 'far', nextDueAt: '2027-04-01T09:00:00.000Z', priority: 'low', queue: 'community' },
    { name: 'done', nextDueAt: null, status: 'resolved', assignee: 'agent', breached: true },
    { name: 'idle', nextDueAt: null, status: 'new' },
    { name: 'elsewhere', nextDueAt: '2027-03-01T09:00:00.000Z', brand: other },
  ];
  for (const seed of seeds) await projectThread(seed);
});

afterAll(async () => {
  await api?.close();
  await closeTemporal?.();
  await db?.destroy();
});

async function list(query: Record<string, string>, key = fixture.users.manager.apiKey) {
  const params = new URLSearchParams({ brandId: fixture.brand.id, ...query });
  return call(api, 'GET', `/v1/threads?${params.toString()}`, { key });
}

/** The names of the listed threads, in the order listed. */
async function names(query: Record<string, string>): Promise<string[]> {
  const response = await list(query);
  expect(response.status).toBe(200);
  const byId = Object.fromEntries(Object.entries(ids).map(([name, id]) => [id, name]));
  return (response.body.items as Json[]).map((item) => byId[item.id as string]);
}

describe('GET /v1/threads', () => {
  it('lists soonest due first, ties by id, conversations without a deadline last', async () => {
    const tied = [ids['tie-a'], ids['tie-b']].sort();
    const tieOrder = tied.map((id) => Object.keys(ids).find((name) => ids[name] === id));
    const noDeadline = [ids.done, ids.idle].sort().map((id) => Object.keys(ids).find((name) => ids[name] === id));
    expect(await names({})).toEqual(['late', 'soon', ...tieOrder, 'far', ...noDeadline]);
  });

  it('filters by status, priority and queue', async () => {
    expect(await names({ status: 'pending' })).toEqual(['tie-a']);
    expect(await names({ priority: 'urgent' })).toEqual(['late']);
    expect(await names({ queue: 'legal' })).toEqual(['soon']);
    expect(await names({ queue: 'community', priority: 'low' })).toEqual(['far']);
    expect(await names({ queue: 'community', priority: 'high' })).toEqual([]);
  });

  it('filters by assignee, and `unassigned` lists those nobody holds', async () => {
    expect(await names({ assigneeId: fixture.users.agent.user.id })).toEqual(
      expect.arrayContaining(['late', 'tie-a', 'done']),
    );
    expect(await names({ assigneeId: fixture.users.agent.user.id })).toHaveLength(3);
    expect(await names({ assigneeId: fixture.users.manager.user.id })).toEqual(['tie-b']);
    expect(await names({ assigneeId: 'unassigned' })).toEqual(['soon', 'far', 'idle']);
  });

  it('filters by whether an SLA target was missed', async () => {
    expect((await names({ breached: 'true' })).sort()).toEqual(['done', 'late']);
    expect(await names({ breached: 'false' })).not.toContain('late');
    expect(await names({ breached: 'false' })).toHaveLength(5);
    expect((await list({ breached: 'yes' })).status).toBe(400);
  });

  it('filters by next due time before an instant, read in any offset', async () => {
    expect(await names({ dueBefore: '2027-03-02T09:00:00Z' })).toEqual(['late', 'soon']);
    // 10:00+01:00 is 09:00Z: the two tied threads are due exactly then, so not before.
    expect(await names({ dueBefore: '2027-03-02T10:00:00+01:00' })).toEqual(['late', 'soon']);
    expect(await names({ dueBefore: '2027-03-02T09:00:00.001Z' })).toHaveLength(4);
  });

  it.each([['0000-01-01T00:00:00Z'], ['10000-01-01T00:00:00Z'], ['2027-03-01T10:00:00+15:00'], ['tomorrow']])(
    'refuses dueBefore %s with 400',
    async (dueBefore) => {
      const response = await list({ dueBefore });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error: 'invalid_input',
        issues: [expect.objectContaining({ path: ['dueBefore'] })],
      });
    },
  );

  it("keeps to the caller's brands", async () => {
    const mine = await call(api, 'GET', '/v1/threads', { key: fixture.users.agent.apiKey });
    expect((mine.body.items as Json[]).map((item) => item.id)).not.toContain(ids.elsewhere);
    const theirs = await list({ brandId: other.brand.id }, fixture.users.agent.apiKey);
    expect(theirs.body.items).toEqual([]);
  });

  it('pages through the whole list with the cursor, past the deadlines into those without', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const response = await list({ limit: '2', ...(cursor ? { cursor } : {}) });
      expect(response.status).toBe(200);
      seen.push(...(response.body.items as Json[]).map((item) => item.id as string));
      cursor = response.body.nextCursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 10);
    const whole = await list({ limit: '50' });
    expect(whole.body.nextCursor).toBeNull();
    expect(seen).toEqual((whole.body.items as Json[]).map((item) => item.id));
    expect(seen).toHaveLength(7);
    expect(pages).toBe(4);
  });

  it('refuses a cursor it did not write, and a cursor with an offset, with 400', async () => {
    const forged = [
      Buffer.from(JSON.stringify(['2027-03-01T10:00:00Z', ids.late])).toString('base64url'),
      Buffer.from(JSON.stringify([7, ids.late])).toString('base64url'),
      Buffer.from(JSON.stringify([null, ids.late, 'x'])).toString('base64url'),
      `${encodeDueCursor({ dueAt: null, id: ids.late })}=`,
      'bm90LWEtY3Vyc29y',
    ];
    for (const cursor of forged) {
      const response = await list({ cursor });
      expect(response.status).toBe(400);
      expect(response.body).toMatchObject({
        error: 'invalid_input',
        issues: [expect.objectContaining({ path: ['cursor'] })],
      });
    }
    const both = await list({ cursor: encodeDueCursor({ dueAt: null, id: ids.idle }), offset: '1' });
    expect(both.status).toBe(400);
    // A post cursor names a time and an id too; read as a thread position it is a valid one.
    const fromPosts = await list({ cursor: encodeListCursor({ publishAt: '2027-03-02T00:00:00.000Z', id: 'a' }) });
    expect(fromPosts.status).toBe(200);
  });
});
