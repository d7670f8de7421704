/**
 * Conversations over HTTP: signed inbound webhooks into their workflows, and the agents' view
 * and actions, against the real workflow on the offline Temporal server.
 */
import { signInboundBody } from '../../api/inboundSignature';
import type { BrandFixture } from '../helpers/db';
import { uniqueId } from '../helpers/db';
import { call, type ApiResponse, type Json } from './http';
import { brand, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;
let secret: string;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x']);
  const rotated = await call(live.api, 'POST', `/v1/accounts/${accountId()}/inbound-secret`, {
    key: fixture.users.admin.apiKey,
    body: {},
  });
  expect(rotated.status).toBe(200);
  secret = rotated.body.secret as string;
});

afterAll(async () => {
  await live?.teardown();
});

const accountId = () => fixture.accounts[0].id;

function event(threadId: string, overrides: Record<string, unknown> = {}) {
  return {
    threadId,
    messageId: uniqueId('msg'),
    kind: 'dm',
    author: { id: 'cust-7', handle: '@jo' },
    text: 'My parcel never arrived',
    sentAt: new Date().toISOString(),
    ...overrides,
  };
}

function deliver(
  events: unknown[],
  options: { signWith?: string | null; account?: string } = {},
): Promise<ApiResponse> {
  const rawBody = JSON.stringify({ events });
  const signWith = options.signWith === undefined ? secret : options.signWith;
  return call(live.api, 'POST', `/v1/inbound/${options.account ?? accountId()}`, {
    rawBody,
    headers: signWith === null ? {} : { 'x-socialops-signature': signInboundBody(rawBody, signWith) },
  });
}

async function threadWhen(threadId: string, ready: (thread: Json) => boolean): Promise<Json> {
  const giveUpAt = Date.now() + 15_000;
  for (;;) {
    const response = await call(live.api, 'GET', `/v1/threads/${accountId()}:${threadId}`, {
      key: fixture.users.agent.apiKey,
    });
    if (response.status === 200 && ready(response.body)) return response.body;
    if (Date.now() > giveUpAt) throw new Error(`thread ${threadId}: ${response.status} ${response.text}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const inboundCount = (thread: Json): number =>
  (thread.state.messages as Json[]).filter((message) => message.direction === 'inbound').length;

describe('inbound webhooks', () => {
  it('refuses a missing or wrong signature and records nothing', async () => {
    const threadId = uniqueId('t');
    for (const signWith of [null, 'not-the-secret']) {
      const response = await deliver([event(threadId)], { signWith });
      expect(response.status).toBe(401);
      expect(response.body).toMatchObject({ error: 'unauthenticated' });
    }
    expect(
      await live.harness
        .db('thread_messages')
        .where({ account_id: accountId() })
        .whereLike('thread_id', `%${threadId}`),
    ).toEqual([]);
    const described = live.harness.env.client.workflow.getHandle(`thread:${accountId()}:${threadId}`).describe();
    await expect(described).rejects.toThrow();
  });

  it('answers 202 once Temporal holds the events, counting duplicates once', async () => {
    const threadId = uniqueId('t');
    const first = event(threadId);
    const second = event(threadId, { text: 'Hello? Anyone?' });
    const accepted = await deliver([first, first, second]);
    expect(accepted.status).toBe(202);
    expect(accepted.body).toEqual({ accepted: 2, duplicates: 1 });
    const thread = await threadWhen(threadId, (current) => inboundCount(current) === 2);
    expect(thread.source).toBe('workflow');

    const again = await deliver([first]);
    expect(again.body).toEqual({ accepted: 0, duplicates: 1 });
    expect(await live.harness.db('thread_messages').where({ thread_id: `${accountId()}:${threadId}` })).toHaveLength(2);
  });

  it('refuses a signed batch that is empty or too large with 400', async () => {
    expect((await deliver([])).status).toBe(400);
    const threadId = uniqueId('t');
    const tooMany = Array.from({ length: 101 }, () => event(threadId));
    const response = await deliver(tooMany);
    expect(response.status).toBe(400);
    expect(response.body).toMatchObject({ error: 'invalid_input' });
    expect(await live.harness.db('thread_messages').where({ thread_id: `${accountId()}:${threadId}` })).toEqual([]);
  });

  it('keeps accepting the previous secret for a grace period after a rotation', async () => {
    const rotated = await call(live.api, 'POST', `/v1/accounts/${accountId()}/inbound-secret`, {
      key: fixture.users.admin.apiKey,
      body: {},
    });
    expect(rotated.body).toMatchObject({ previousValidUntil: expect.any(String) });
    expect((await deliver([event(uniqueId('t'))])).status).toBe(202);
    secret = rotated.body.secret as string;
    expect((await deliver([event(uniqueId('t'))])).status).toBe(202);
  });
});

describe('thread actions', () => {
  it('lets an agent reply, lists the thread, and resolves it', async () => {
    const threadId = uniqueId('t');
    expect((await deliver([event(threadId)])).status).toBe(202);
    await threadWhen(threadId, (thread) => inboundCount(thread) === 1);
    const id = `${accountId()}:${threadId}`;

    const listed = await call(live.api, 'GET', `/v1/threads?brandId=${fixture.brand.id}&status=open`, {
      key: fixture.users.agent.apiKey,
    });
    expect(listed.status).toBe(200);
    expect(listed.body.items.map((item: Json) => item.id)).toContain(id);

    const refused = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: fixture.users.viewer.apiKey,
      body: { text: 'Hi' },
    });
    expect(refused.status).toBe(403);

    const replied = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: fixture.users.agent.apiKey,
      body: { text: 'So sorry, a new one is on its way.' },
    });
    expect(replied.status).toBe(200);
    expect(replied.body.result).toMatchObject({ messageId: expect.any(String), status: 'open' });

    const withoutReason = await call(live.api, 'POST', `/v1/threads/${id}/resolve`, {
      key: fixture.users.agent.apiKey,
      body: {},
    });
    expect(withoutReason.status).toBe(400);
    const notSpam = await call(live.api, 'POST', `/v1/threads/${id}/resolve`, {
      key: fixture.users.agent.apiKey,
      body: { reason: 'Looks like spam', closeWithoutReply: true },
    });
    expect(notSpam.status).toBe(409);
    const resolved = await call(live.api, 'POST', `/v1/threads/${id}/resolve`, {
      key: fixture.users.agent.apiKey,
      body: { reason: 'Replacement sent' },
    });
    expect(resolved.status).toBe(200);
    const again = await call(live.api, 'POST', `/v1/threads/${id}/resolve`, {
      key: fixture.users.agent.apiKey,
      body: { reason: 'Replacement sent' },
    });
    expect(again.status).toBe(409);
    const thread = await threadWhen(threadId, (current) => current.state.status === 'resolved');
    expect(thread.state.closure).toMatchObject({ outcome: 'resolved', reason: 'Replacement sent' });
    expect(thread.state.sla.finished.find((clock: Json) => clock.kind === 'first_response').outcome).toBe('met');
  });

  it('answers 404 for a thread nobody wrote in', async () => {
    const response = await call(live.api, 'GET', `/v1/threads/${accountId()}:nothing-here`, {
      key: fixture.users.agent.apiKey,
    });
    expect(response.status).toBe(404);
  });
});
