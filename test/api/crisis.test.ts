/**
 * Crisis protection over HTTP against the real workflows: the policy, the crisis state and its
 * actions with the role matrix, posts created and published now during a crisis, and replies
 * held for a lead's approval.
 */
import { DEFAULT_TRIAGE_RULES } from '../../domain/triage';
import { ROLES, type Role } from '../../domain/types';
import {
  inboundMessage,
  THREAD_WORKFLOW_TYPE,
  threadWorkflowId,
  type ThreadLifecycleInput,
} from '../../workflows/thread/messages';
import { uniqueId, type BrandFixture } from '../helpers/db';
import { call, type ApiResponse } from './http';
import { brand, createPost, postWhen, stageOpen, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
beforeAll(async () => {
  live = await startLiveApi();
});
afterAll(async () => {
  await live?.teardown();
});

const keyOf = (fixture: BrandFixture, role: Role) => fixture.users[role].apiKey;
const MANAGING: Role[] = ['manager', 'admin'];

async function asEveryRole(
  fixture: BrandFixture,
  request: (key: string) => Promise<ApiResponse>,
): Promise<Record<string, number>> {
  const statuses: Record<string, number> = {};
  for (const role of ROLES) statuses[role] = (await request(keyOf(fixture, role))).status;
  return statuses;
}

const expected = (allowed: readonly Role[], ok: number, refused = 403) =>
  Object.fromEntries(ROLES.map((role) => [role, allowed.includes(role) ? ok : refused]));

async function scheduledPost(fixture: BrandFixture): Promise<string> {
  const created = await createPost(live, fixture);
  expect(created.status).toBe(201);
  const postId: string = created.body.postId;
  const { post } = await postWhen(live, keyOf(fixture, 'author'), postId, stageOpen('copy_edit'));
  for (const [stage, role] of [
    ['copy_edit', 'copy_editor'],
    ['final_approval', 'final_approver'],
  ] as const) {
    await postWhen(live, keyOf(fixture, 'author'), postId, stageOpen(stage));
    const decided = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: keyOf(fixture, role),
      body: { stage, revision: post.revision, decision: 'approve' },
    });
    expect(decided.status).toBe(200);
  }
  await postWhen(live, keyOf(fixture, 'author'), postId, (candidate) => candidate.stage === 'scheduled');
  return postId;
}

describe('crisis policy', () => {
  it('reads the defaults, stores versions, and refuses a bad field by name', async () => {
    const fixture = await brand(live);
    const path = `/v1/brands/${fixture.brand.id}/crisis-policy`;
    expect(await asEveryRole(fixture, (key) => call(live.api, 'GET', path, { key }))).toEqual(expected(ROLES, 200));
    const defaults = await call(live.api, 'GET', path, { key: keyOf(fixture, 'viewer') });
    expect(defaults.body).toMatchObject({
      source: 'default',
      version: 1,
      declare: 'confirm',
      passedPublishTime: 'hold_for_review',
      threshold: { kind: 'baseline_multiple', multiple: 3 },
    });

    const body = { threshold: { kind: 'count', count: 25 }, declare: 'automatic', contacts: ['mia'] };
    expect(await asEveryRole(fixture, (key) => call(live.api, 'PUT', path, { key, body }))).toEqual(
      expected(MANAGING, 200),
    );
    const stored = await call(live.api, 'GET', path, { key: keyOf(fixture, 'agent') });
    expect(stored.body).toMatchObject({
      source: 'brand',
      version: 3,
      threshold: { kind: 'count', count: 25 },
      declare: 'automatic',
      windowMinutes: 60,
      createdBy: fixture.users.manager.user.id,
    });

    for (const [bad, field] of [
      [{ threshold: { kind: 'baseline_multiple', multiple: 0.5 } }, 'threshold'],
      [{ windowMinutes: 0 }, 'windowMinutes'],
      [{ contacts: ['mia', 'mia'] }, 'contacts'],
      [{ declare: 'sometimes' }, 'declare'],
      [{ passedPublishTime: 'never' }, 'passedPublishTime'],
      [{ surprise: true }, ''],
    ] as const) {
      const refused = await call(live.api, 'PUT', path, { key: keyOf(fixture, 'manager'), body: bad });
      expect(refused.status).toBe(400);
      if (field)
        expect(JSON.stringify(refused.body.issues.map((issue: { path: unknown[] }) => issue.path))).toContain(field);
    }
    const other = await brand(live);
    expect((await call(live.api, 'GET', path, { key: keyOf(other, 'manager') })).status).toBe(404);
  });
});

describe('a crisis declared and ended by hand', () => {
  it('holds new and scheduled posts, asks publish-now to confirm, and only a manager or admin ends it', async () => {
    const fixture = await brand(live);
    const base = `/v1/brands/${fixture.brand.id}/crisis`;
    const scheduled = await scheduledPost(fixture);
    expect((await call(live.api, 'GET', base, { key: keyOf(fixture, 'viewer') })).body).toMatchObject({
      status: 'none',
      crisis: null,
    });

    const notManaging = ROLES.filter((role) => !MANAGING.includes(role));
    for (const role of notManaging) {
      const refused = await call(live.api, 'POST', `${base}/declare`, {
        key: keyOf(fixture, role),
        body: { reason: 'outage' },
      });
      expect({ role, status: refused.status }).toEqual({ role, status: 403 });
    }
    expect((await call(live.api, 'POST', `${base}/declare`, { key: keyOf(fixture, 'manager'), body: {} })).status).toBe(
      400,
    );
    expect((await call(live.api, 'POST', `${base}/confirm`, { key: keyOf(fixture, 'manager'), body: {} })).status).toBe(
      409,
    );
    const declared = await call(live.api, 'POST', `${base}/declare`, {
      key: keyOf(fixture, 'manager'),
      body: { reason: 'data breach reported' },
    });
    expect(declared.status).toBe(200);
    expect(declared.body).toMatchObject({ status: 'in_crisis', crisisId: expect.any(String) });
    const again = await call(live.api, 'POST', `${base}/declare`, {
      key: keyOf(fixture, 'admin'),
      body: { reason: 'again' },
    });
    expect(again.status).toBe(409);
    expect(again.body.message).toContain('in a crisis already');

    const state = await call(live.api, 'GET', base, { key: keyOf(fixture, 'agent') });
    expect(state.body).toMatchObject({
      status: 'active',
      crisis: {
        declaredHow: 'manual',
        declaredBy: fixture.users.manager.user.id,
        declareReason: 'data breach reported',
      },
      monitor: { status: 'in_crisis' },
    });

    // The scheduled post is held; publish-now needs the confirmation, recorded with who gave it.
    await postWhen(live, keyOf(fixture, 'manager'), scheduled, (post) =>
      post.holds.some((hold: { source: string }) => hold.source === 'crisis'),
    );
    const unconfirmed = await call(live.api, 'POST', `/v1/posts/${scheduled}/publish-now`, {
      key: keyOf(fixture, 'manager'),
      body: {},
    });
    expect(unconfirmed.status).toBe(409);
    expect(unconfirmed.body.message).toContain('publishing is held: crisis');
    expect(
      (
        await call(live.api, 'POST', `/v1/posts/${scheduled}/publish-now`, {
          key: keyOf(fixture, 'manager'),
          body: { confirmCrisis: 'yes' },
        })
      ).status,
    ).toBe(400);
    const confirmed = await call(live.api, 'POST', `/v1/posts/${scheduled}/publish-now`, {
      key: keyOf(fixture, 'manager'),
      body: { confirmCrisis: true },
    });
    expect(confirmed.status).toBe(200);
    await postWhen(live, keyOf(fixture, 'manager'), scheduled, (post) => post.stage !== 'scheduled');
    const audit = await call(live.api, 'GET', `/v1/posts/${scheduled}/audit`, { key: keyOf(fixture, 'manager') });
    expect(JSON.stringify(audit.body)).toContain('publish_now');
    const publishNowEntry = (audit.body.entries ?? audit.body.items ?? audit.body).find(
      (entry: { action: string }) => entry.action === 'publish_now',
    );
    expect(publishNowEntry).toMatchObject({
      actorId: fixture.users.manager.user.id,
      detail: { releasedHolds: ['crisis'] },
    });

    // A post created during the crisis starts held.
    const created = await createPost(live, fixture);
    expect(created.status).toBe(201);
    expect(created.body.crisisHeld).toBe(true);
    const fresh = await postWhen(live, keyOf(fixture, 'author'), created.body.postId, (post) => post.holds.length > 0);
    expect(fresh.post.holds).toEqual([
      expect.objectContaining({ source: 'crisis', by: fixture.users.manager.user.id }),
    ]);

    for (const role of notManaging) {
      const refused = await call(live.api, 'POST', `${base}/end`, {
        key: keyOf(fixture, role),
        body: { reason: 'over' },
      });
      expect({ role, status: refused.status }).toEqual({ role, status: 403 });
    }
    expect((await call(live.api, 'POST', `${base}/end`, { key: keyOf(fixture, 'manager'), body: {} })).status).toBe(
      400,
    );
    const ended = await call(live.api, 'POST', `${base}/end`, {
      key: keyOf(fixture, 'admin'),
      body: { reason: 'statement published' },
    });
    expect(ended.status).toBe(200);
    expect(ended.body.status).toBe('watching');
    expect(
      (await call(live.api, 'POST', `${base}/end`, { key: keyOf(fixture, 'admin'), body: { reason: 'x' } })).status,
    ).toBe(409);
    const after = await call(live.api, 'GET', base, { key: keyOf(fixture, 'viewer') });
    expect(after.body).toMatchObject({ status: 'none', crisis: null });
    expect(after.body.recent[0]).toMatchObject({
      status: 'ended',
      endedBy: fixture.users.admin.user.id,
      endReason: 'statement published',
    });
    await postWhen(live, keyOf(fixture, 'author'), created.body.postId, (post) => post.holds.length === 0);
  });
});

describe('replies during a crisis', () => {
  it('waits for a lead; the inbox lists it; only a lead, manager or admin approves or rejects', async () => {
    const fixture = await brand(live);
    // The brand's lead leads every queue, with another agent serving it: the held reply is the lead's to decide.
    const queues = [...new Set(Object.values(DEFAULT_TRIAGE_RULES.queueByCategory))].map((name) => ({
      name,
      strategy: 'round_robin',
      leadId: fixture.users.lead.user.id,
      members: [{ userId: fixture.users.agent.user.id, capacity: 100 }],
    }));
    expect(
      (
        await call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/queues`, {
          key: keyOf(fixture, 'admin'),
          body: { queues },
        })
      ).status,
    ).toBe(200);
    const account = fixture.accounts[0];
    const input: ThreadLifecycleInput = {
      accountId: account.id,
      brandId: fixture.brand.id,
      platform: account.platform,
      externalThreadId: uniqueId('conversation'),
    };
    const threadId = `${input.accountId}:${input.externalThreadId}`;
    await live.harness.env.client.workflow.signalWithStart(THREAD_WORKFLOW_TYPE, {
      workflowId: threadWorkflowId(threadId),
      taskQueue: live.harness.taskQueue,
      args: [input],
      signal: inboundMessage,
      signalArgs: [
        {
          messageId: uniqueId('msg'),
          kind: 'dm',
          author: { id: 'customer-1', handle: '@customer' },
          text: 'Is my data safe?',
          sentAt: new Date(await live.harness.env.currentTimeMs()).toISOString(),
        },
      ],
    });
    const giveUpAt = Date.now() + 15_000;
    while (!(await live.harness.db('threads').where({ id: threadId }).first())) {
      if (Date.now() > giveUpAt) throw new Error('the conversation was never projected');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await call(live.api, 'POST', `/v1/brands/${fixture.brand.id}/crisis/declare`, {
      key: keyOf(fixture, 'manager'),
      body: { reason: 'data breach reported' },
    });

    const path = `/v1/threads/${encodeURIComponent(threadId)}`;
    const held = await call(live.api, 'POST', `${path}/reply`, {
      key: keyOf(fixture, 'agent'),
      body: { text: 'Your data is safe.' },
    });
    expect(held.status).toBe(200);
    const replyId: string = held.body.result.pendingApproval.replyId;
    expect(held.body.result.messageId).toBeUndefined();

    const listed = await call(live.api, 'GET', `/v1/threads?brandId=${fixture.brand.id}&pendingApproval=true`, {
      key: keyOf(fixture, 'lead'),
    });
    expect(listed.body.items).toEqual([expect.objectContaining({ id: threadId, pendingApprovals: 1 })]);
    const inbox = await call(live.api, 'GET', '/v1/inbox', { key: keyOf(fixture, 'lead') });
    expect(inbox.body.items).toEqual([
      expect.objectContaining({ id: threadId, reason: 'approval', pendingApprovals: 1 }),
    ]);
    const detail = await call(live.api, 'GET', path, { key: keyOf(fixture, 'lead') });
    expect(detail.body.state.pendingReplies).toEqual([
      expect.objectContaining({ replyId, text: 'Your data is safe.', by: fixture.users.agent.user.id }),
    ]);

    const approvers: Role[] = ['lead', 'manager', 'admin'];
    for (const role of ROLES.filter((candidate) => !approvers.includes(candidate))) {
      const refused = await call(live.api, 'POST', `${path}/replies/${replyId}/approve`, {
        key: keyOf(fixture, role),
        body: {},
      });
      expect({ role, status: refused.status }).toEqual({ role, status: 403 });
    }
    expect(
      (await call(live.api, 'POST', `${path}/replies/held-99/approve`, { key: keyOf(fixture, 'lead'), body: {} }))
        .status,
    ).toBe(409);
    expect(
      (await call(live.api, 'POST', `${path}/replies/${replyId}/reject`, { key: keyOf(fixture, 'lead'), body: {} }))
        .status,
    ).toBe(400);
    const approved = await call(live.api, 'POST', `${path}/replies/${replyId}/approve`, {
      key: keyOf(fixture, 'lead'),
      body: {},
    });
    expect(approved.status).toBe(200);
    expect(approved.body.result.messageId).toEqual(expect.any(String));
    const sent = await live.harness.db('sandbox_replies').where({ thread_external_id: input.externalThreadId });
    expect(sent.map((reply: { text: string }) => reply.text)).toEqual(['Your data is safe.']);

    const second = await call(live.api, 'POST', `${path}/reply`, {
      key: keyOf(fixture, 'agent'),
      body: { text: 'More soon.' },
    });
    const rejected = await call(
      live.api,
      'POST',
      `${path}/replies/${second.body.result.pendingApproval.replyId}/reject`,
      {
        key: keyOf(fixture, 'manager'),
        body: { reason: 'legal must word this' },
      },
    );
    expect(rejected.status).toBe(200);
    const none = await call(live.api, 'GET', `/v1/threads?brandId=${fixture.brand.id}&pendingApproval=true`, {
      key: keyOf(fixture, 'lead'),
    });
    expect(none.body.items).toEqual([]);
  });
});
