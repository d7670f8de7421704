/**
 * Queues, escalation and the inbox over HTTP, against the real conversation workflow: managers
 * set up who serves which queue, conversations are assigned from it, an assignee must serve the
 * queue, an agent escalates to the lead, and each person's inbox lists what waits on them.
 */
import { signInboundBody } from '../../api/inboundSignature';
import { insertUser, uniqueId, type BrandFixture } from '../helpers/db';
import { call, type ApiResponse, type Json } from './http';
import { brand, startLiveApi, type LiveApi } from './liveApi';

const MINUTE_MS = 60_000;

let live: LiveApi;
let fixture: BrandFixture;
let secret: string;
/** A second agent of the brand who serves no queue. */
let outsider: { id: string; apiKey: string };

const key = (role: keyof BrandFixture['users']) => fixture.users[role].apiKey;
const idOf = (role: keyof BrandFixture['users']) => fixture.users[role].user.id;
const accountId = () => fixture.accounts[0].id;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x']);
  const rotated = await call(live.api, 'POST', `/v1/accounts/${accountId()}/inbound-secret`, {
    key: key('admin'),
    body: {},
  });
  secret = rotated.body.secret as string;
  const other = await insertUser(live.harness.db, { roles: ['agent'], brandId: fixture.brand.id });
  outsider = { id: other.user.id, apiKey: other.apiKey };
});

afterAll(async () => {
  await live?.teardown();
});

function putQueues(queues: unknown, as = key('manager'), brandId = fixture.brand.id): Promise<ApiResponse> {
  return call(live.api, 'PUT', `/v1/brands/${brandId}/queues`, { key: as, body: { queues } });
}

const supportQueue = (overrides: Record<string, unknown> = {}) => ({
  name: 'customer_care',
  strategy: 'round_robin',
  leadId: idOf('lead'),
  members: [{ userId: idOf('agent'), capacity: 10 }],
  ...overrides,
});

/** A customer's message about an order (triaged to customer_care); resolves once its thread is recorded. */
async function customerWrites(): Promise<string> {
  const threadId = uniqueId('t');
  const rawBody = JSON.stringify({
    events: [
      {
        threadId,
        messageId: uniqueId('m'),
        kind: 'dm',
        author: { id: 'cust-1', handle: '@cust' },
        text: 'Where is my order?',
        sentAt: new Date(await live.harness.env.currentTimeMs()).toISOString(),
      },
    ],
  });
  const delivered = await call(live.api, 'POST', `/v1/inbound/${accountId()}`, {
    rawBody,
    headers: { 'x-socialops-signature': signInboundBody(rawBody, secret) },
  });
  expect(delivered.status).toBe(202);
  return `${accountId()}:${threadId}`;
}

async function threadWhen(id: string, ready: (state: Json) => boolean): Promise<Json> {
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    const response = await call(live.api, 'GET', `/v1/threads/${id}`, { key: key('manager') });
    if (response.status === 200 && ready(response.body.state)) return response.body.state;
    if (Date.now() > giveUpAt) throw new Error(`thread ${id}: ${response.status} ${response.text.slice(0, 300)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Waits until the projection shows the assignee the workflow chose. */
async function projectedAssignee(id: string, assigneeId: string | null): Promise<void> {
  const giveUpAt = Date.now() + 15_000;
  while ((await live.harness.db('threads').where({ id }).first())?.assignee_id !== assigneeId) {
    if (Date.now() > giveUpAt) throw new Error(`thread ${id} never projected assignee ${assigneeId}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function inboxOf(apiKey: string, query = ''): Promise<ApiResponse> {
  return call(live.api, 'GET', `/v1/inbox${query}`, { key: apiKey });
}

describe('queues', () => {
  it('lets a manager set up the queues and anyone who reads conversations see them', async () => {
    const saved = await putQueues([supportQueue(), { ...supportQueue({ name: 'legal', strategy: 'least_open' }) }]);
    expect(saved.status).toBe(200);
    const read = await call(live.api, 'GET', `/v1/brands/${fixture.brand.id}/queues`, { key: key('viewer') });
    expect(read.status).toBe(200);
    expect(read.body).toEqual({
      brandId: fixture.brand.id,
      queues: [supportQueue({ name: 'customer_care' }), supportQueue({ name: 'legal', strategy: 'least_open' })],
    });
  });

  it('refuses a lead without the lead role, an unknown member and a queue listed twice, with the field', async () => {
    const notLead = await putQueues([supportQueue({ leadId: idOf('agent') })]);
    expect(notLead.status).toBe(400);
    expect(notLead.body.issues[0]).toMatchObject({
      path: ['queues', 0, 'leadId'],
      message: `${idOf('agent')} does not hold the lead role`,
    });
    const stranger = await putQueues([supportQueue({ members: [{ userId: 'nobody-here', capacity: 3 }] })]);
    expect(stranger.status).toBe(400);
    expect(stranger.body.issues[0]).toMatchObject({ path: ['queues', 0, 'members', 0, 'userId'] });
    const twice = await putQueues([supportQueue(), supportQueue()]);
    expect(twice.status).toBe(400);
    expect(twice.body.issues[0]).toMatchObject({ path: ['queues', 1, 'name'] });
    const badStrategy = await putQueues([supportQueue({ strategy: 'random' })]);
    expect(badStrategy.status).toBe(400);
  });

  it('keeps queues for managers: an agent may not change them, and an unknown brand is 404', async () => {
    const refused = await putQueues([supportQueue()], key('agent'));
    expect(refused.status).toBe(403);
    expect((await putQueues([], key('manager'), 'no-such-brand')).status).toBe(404);
  });
});

describe('assignment, escalation and the inbox', () => {
  beforeAll(async () => {
    expect((await putQueues([supportQueue()])).status).toBe(200);
  });

  it('assigns a new conversation from its queue and lists it in the agent inbox', async () => {
    const id = await customerWrites();
    const state = await threadWhen(id, (current) => current.assigneeId !== null);
    expect(state.assigneeId).toBe(idOf('agent'));
    await projectedAssignee(id, idOf('agent'));
    const inbox = await inboxOf(key('agent'));
    expect(inbox.status).toBe(200);
    expect(inbox.body.items).toEqual(
      expect.arrayContaining([expect.objectContaining({ id, reason: 'assigned', queue: 'customer_care' })]),
    );
    expect((await inboxOf(outsider.apiKey)).body.items.map((item: Json) => item.id)).not.toContain(id);
  });

  it('refuses to assign someone who does not serve the queue (409), and lets a lead assign a member', async () => {
    const id = await customerWrites();
    await threadWhen(id, (current) => current.assigneeId !== null);
    const refused = await call(live.api, 'POST', `/v1/threads/${id}/assign`, {
      key: key('lead'),
      body: { assigneeId: outsider.id },
    });
    expect(refused.status).toBe(409);
    expect(refused.body.message).toBe(
      `${outsider.id} does not serve queue customer_care; assign someone who serves it`,
    );
    const accepted = await call(live.api, 'POST', `/v1/threads/${id}/assign`, {
      key: key('lead'),
      body: { assigneeId: idOf('lead') },
    });
    expect(accepted.status).toBe(200);
    expect((await threadWhen(id, (current) => current.assigneeId === idOf('lead'))).assigneeId).toBe(idOf('lead'));
  });

  it('lets only agents of the queue work on its conversations', async () => {
    const id = await customerWrites();
    await threadWhen(id, (current) => current.assigneeId !== null);
    const refused = await call(live.api, 'POST', `/v1/threads/${id}/notes`, {
      key: outsider.apiKey,
      body: { text: 'Not my queue' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain(`${outsider.id} does not serve queue customer_care`);
    const accepted = await call(live.api, 'POST', `/v1/threads/${id}/notes`, {
      key: key('agent'),
      body: { text: 'On it' },
    });
    expect(accepted.status).toBe(200);
  });

  it("escalates to the queue's lead, who then finds it in their inbox", async () => {
    const id = await customerWrites();
    await threadWhen(id, (current) => current.assigneeId === idOf('agent'));
    const escalated = await call(live.api, 'POST', `/v1/threads/${id}/escalate`, {
      key: key('agent'),
      body: { reason: 'Wants to speak to someone senior' },
    });
    expect(escalated.status).toBe(200);
    await projectedAssignee(id, idOf('lead'));
    const inbox = await inboxOf(key('lead'));
    expect(inbox.body.items).toEqual(expect.arrayContaining([expect.objectContaining({ id, reason: 'assigned' })]));
    const audit = await live.harness.db('audit_log').where({ entity: `thread:${id}`, action: 'escalated' });
    expect(audit).toEqual([
      expect.objectContaining({ actor_id: idOf('agent'), detail: expect.objectContaining({ to: idOf('lead') }) }),
    ]);
  });

  it('refuses to escalate without a lead (409) or without a reason (400)', async () => {
    const id = await customerWrites();
    await threadWhen(id, (current) => current.assigneeId !== null);
    const noReason = await call(live.api, 'POST', `/v1/threads/${id}/escalate`, { key: key('agent'), body: {} });
    expect(noReason.status).toBe(400);
    expect((await putQueues([supportQueue({ leadId: null })])).status).toBe(200);
    try {
      const noLead = await call(live.api, 'POST', `/v1/threads/${id}/escalate`, {
        key: key('agent'),
        body: { reason: 'Help' },
      });
      expect(noLead.status).toBe(409);
      expect(noLead.body.message).toBe('queue customer_care has no lead to escalate to');
    } finally {
      expect((await putQueues([supportQueue()])).status).toBe(200);
    }
  });

  it("shows a lead their queue's unassigned and breached conversations, soonest due first, page by page", async () => {
    const team = await brand(live, ['x']);
    const lead = team.users.lead;
    const agent = team.users.agent;
    // One conversation each: the agent has room for one, the rest wait in the queue.
    const saved = await call(live.api, 'PUT', `/v1/brands/${team.brand.id}/queues`, {
      key: team.users.admin.apiKey,
      body: {
        queues: [
          {
            name: 'customer_care',
            strategy: 'least_open',
            leadId: lead.user.id,
            members: [{ userId: agent.user.id, capacity: 1 }],
          },
        ],
      },
    });
    expect(saved.status).toBe(200);
    const rotated = await call(live.api, 'POST', `/v1/accounts/${team.accounts[0].id}/inbound-secret`, {
      key: team.users.admin.apiKey,
      body: {},
    });
    const ids: string[] = [];
    for (let n = 0; n < 3; n += 1) {
      const threadId = uniqueId('t');
      const rawBody = JSON.stringify({
        events: [
          {
            threadId,
            messageId: uniqueId('m'),
            kind: 'dm',
            author: { id: `c${n}`, handle: `@c${n}` },
            text: 'Where is my order?',
            sentAt: new Date(await live.harness.env.currentTimeMs()).toISOString(),
          },
        ],
      });
      const delivered = await call(live.api, 'POST', `/v1/inbound/${team.accounts[0].id}`, {
        rawBody,
        headers: { 'x-socialops-signature': signInboundBody(rawBody, rotated.body.secret as string) },
      });
      expect(delivered.status).toBe(202);
      const id = `${team.accounts[0].id}:${threadId}`;
      ids.push(id);
      // Each arrives a minute after the last, so their first-response due times are in that order.
      await projectedAssignee(id, n === 0 ? agent.user.id : null);
      await live.harness.env.sleep(MINUTE_MS);
    }

    const waiting = await inboxOf(lead.apiKey);
    expect(waiting.body.items.map((item: Json) => [item.id, item.reason])).toEqual([
      [ids[1], 'queue'],
      [ids[2], 'queue'],
    ]);
    const agentInbox = await inboxOf(agent.apiKey);
    expect(agentInbox.body.items.map((item: Json) => [item.id, item.reason])).toEqual([
      [ids[0], 'assigned'],
      [ids[1], 'queue'],
      [ids[2], 'queue'],
    ]);

    // Past the first response target (normal priority, 4 hours): the agent's conversation breaches.
    await live.harness.env.sleep(4 * 60 * MINUTE_MS);
    const giveUpAt = Date.now() + 15_000;
    while ((await live.harness.db('sla_events').where({ thread_id: ids[0], event: 'breach' })).length === 0) {
      if (Date.now() > giveUpAt) throw new Error('the breach was never recorded');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    const withBreach = await inboxOf(lead.apiKey);
    expect(withBreach.body.items.map((item: Json) => item.id)).toEqual(ids);
    expect(withBreach.body.items[0]).toMatchObject({ reason: 'breached', assigneeId: agent.user.id });

    const first = await inboxOf(lead.apiKey, '?limit=2');
    expect(first.body.items.map((item: Json) => item.id)).toEqual(ids.slice(0, 2));
    const second = await inboxOf(lead.apiKey, `?limit=2&cursor=${first.body.nextCursor}`);
    expect(second.body).toMatchObject({ items: [expect.objectContaining({ id: ids[2] })], nextCursor: null });
    expect((await inboxOf(lead.apiKey, '?cursor=bm90LWEtY3Vyc29y')).status).toBe(400);
  });
});
