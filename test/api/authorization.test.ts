/**
 * Who may do what, over HTTP against the real workflow: every role against every action. The
 * API answers coarse role questions itself; the workflow's validators decide stage, ownership and
 * separation of duties, and their refusals arrive with the workflow's own words.
 */
import { signInboundBody } from '../../api/inboundSignature';
import { DEFAULT_TRIAGE_RULES } from '../../domain/triage';
import { ROLES, type Role } from '../../domain/types';
import type { BrandFixture } from '../helpers/db';
import { insertUser, uniqueId } from '../helpers/db';
import { call, type ApiResponse } from './http';
import {
  brand,
  createPost,
  localTimeAhead,
  postAwaiting,
  postWhen,
  stageOpen,
  startLiveApi,
  type LiveApi,
} from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;

/** Every queue triage sends to, served by the brand's agent and led by its lead. */
const queuesOf = (team: BrandFixture) =>
  [...new Set(Object.values(DEFAULT_TRIAGE_RULES.queueByCategory))].map((name) => ({
    name,
    strategy: 'round_robin',
    leadId: team.users.lead.user.id,
    members: [{ userId: team.users.agent.user.id, capacity: 100 }],
  }));

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live);
  const queues = await call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/queues`, {
    key: fixture.users.admin.apiKey,
    body: { queues: queuesOf(fixture) },
  });
  if (queues.status !== 200) throw new Error(`setting up the queues failed: ${queues.status} ${queues.text}`);
});

afterAll(async () => {
  await live?.teardown();
});

const keyOf = (role: Role, team: BrandFixture = fixture) => team.users[role].apiKey;
const DAY_MS = 24 * 60 * 60 * 1000;

/** A low-risk post that has passed its reviews and waits for its publish time. */
async function scheduledPost(): Promise<string> {
  const { postId, revision } = await postAwaiting(live, fixture, 'copy_edit');
  for (const [stage, role] of [
    ['copy_edit', 'copy_editor'],
    ['final_approval', 'final_approver'],
  ] as const) {
    await postWhen(live, keyOf('author'), postId, stageOpen(stage));
    const decided = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: keyOf(role),
      body: { stage, revision, decision: 'approve' },
    });
    if (decided.status !== 200) throw new Error(`approving ${stage} failed: ${decided.status} ${decided.text}`);
  }
  await postWhen(live, keyOf('author'), postId, (post) => post.stage === 'scheduled');
  return postId;
}

interface ActionCase {
  allowed: readonly Role[];
  status: number;
  /** Performs the action as the role; `fresh` asks for a post of its own, since an allowed action changes it. */
  act(role: Role, fresh: boolean): Promise<ApiResponse>;
}

/** Posts that refused actions leave untouched are shared between the roles that are refused. */
const shared = new Map<string, Promise<unknown>>();
function sharedPost<T>(name: string, make: () => Promise<T>): Promise<T> {
  if (!shared.has(name)) shared.set(name, make());
  return shared.get(name) as Promise<T>;
}
const copyEditPost = (fresh: boolean) => {
  const make = () => postAwaiting(live, fixture, 'copy_edit');
  return fresh ? make() : sharedPost('copy_edit', make);
};
const draftingPost = async (fresh: boolean): Promise<string> => {
  const make = () => postAwaiting(live, fixture, 'drafting');
  return (await (fresh ? make() : sharedPost('drafting', make))).postId;
};

/** A conversation started by a signed inbound message, once its projection can be read. */
async function startThread(): Promise<string> {
  const accountId = fixture.accounts[0].id;
  const rotated = await call(live.api, 'POST', `/v1/accounts/${accountId}/inbound-secret`, {
    key: keyOf('admin'),
    body: {},
  });
  const threadId = uniqueId('t');
  const rawBody = JSON.stringify({
    events: [
      {
        threadId,
        messageId: uniqueId('m'),
        kind: 'comment',
        author: { id: 'c1', handle: '@c1' },
        text: 'Is the winter blend decaf?',
        sentAt: new Date().toISOString(),
      },
    ],
  });
  const delivered = await call(live.api, 'POST', `/v1/inbound/${accountId}`, {
    rawBody,
    headers: { 'x-socialops-signature': signInboundBody(rawBody, rotated.body.secret as string) },
  });
  if (delivered.status !== 202) throw new Error(`inbound failed: ${delivered.status} ${delivered.text}`);
  const id = `${accountId}:${threadId}`;
  const giveUpAt = Date.now() + 15_000;
  while ((await call(live.api, 'GET', `/v1/threads/${id}`, { key: keyOf('admin') })).status !== 200) {
    if (Date.now() > giveUpAt) throw new Error(`thread ${id} was never recorded`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return id;
}

const sharedThread = () => sharedPost('thread', startThread);

const EVERYONE = ROLES;

/** A fresh reply template of the brand, made by its manager. */
async function replyTemplate(): Promise<string> {
  const created = await call(live.api, 'POST', '/v1/templates', {
    key: keyOf('manager'),
    body: { brandId: fixture.brand.id, name: uniqueId('Template'), body: 'Hello {{customer.name}}' },
  });
  if (created.status !== 201) throw new Error(`creating a template failed: ${created.status} ${created.text}`);
  return created.body.id as string;
}

const MATRIX: Record<string, ActionCase> = {
  'create a post': {
    allowed: ['author', 'manager', 'admin'],
    status: 201,
    act: (role) => createPost(live, fixture, { key: keyOf(role) }),
  },
  'list posts': {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', `/v1/posts?brandId=${fixture.brand.id}`, { key: keyOf(role) }),
  },
  "read a post's state": {
    allowed: EVERYONE,
    status: 200,
    act: async (role) => call(live.api, 'GET', `/v1/posts/${await draftingPost(false)}`, { key: keyOf(role) }),
  },
  "read a post's audit trail": {
    allowed: EVERYONE,
    status: 200,
    act: async (role) => call(live.api, 'GET', `/v1/posts/${await draftingPost(false)}/audit`, { key: keyOf(role) }),
  },
  'read their review queue': {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', '/v1/review-queue', { key: keyOf(role) }),
  },
  'review the copy edit stage': {
    allowed: ['copy_editor'],
    status: 200,
    act: async (role, fresh) => {
      const { postId, revision } = await copyEditPost(fresh);
      return call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
        key: keyOf(role),
        body: { stage: 'copy_edit', revision, decision: 'approve' },
      });
    },
  },
  'submit a revision of their post': {
    allowed: ['author'],
    status: 200,
    act: async (role, fresh) => {
      const postId = await draftingPost(fresh);
      return call(live.api, 'POST', `/v1/posts/${postId}/revisions`, {
        key: keyOf(role),
        body: {
          variants: fixture.accounts.map((account) => ({ accountId: account.id, text: 'Fresh beans, fresh week' })),
        },
      });
    },
  },
  'reschedule a post': {
    allowed: ['author', 'manager', 'admin'],
    status: 200,
    act: async (role, fresh) => {
      const postId = await draftingPost(fresh);
      return call(live.api, 'POST', `/v1/posts/${postId}/reschedule`, {
        key: keyOf(role),
        body: { publishAt: await localTimeAhead(live, fixture, 5 * DAY_MS) },
      });
    },
  },
  'cancel a post': {
    allowed: ['author', 'manager', 'admin'],
    status: 200,
    act: async (role, fresh) =>
      call(live.api, 'POST', `/v1/posts/${await draftingPost(fresh)}/cancel`, {
        key: keyOf(role),
        body: { reason: 'no longer needed' },
      }),
  },
  'publish a scheduled post now': {
    allowed: ['manager', 'admin'],
    status: 200,
    act: async (role, fresh) => {
      const postId = fresh ? await scheduledPost() : await sharedPost('scheduled', scheduledPost);
      return call(live.api, 'POST', `/v1/posts/${postId}/publish-now`, { key: keyOf(role), body: {} });
    },
  },
  'list conversations': {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', `/v1/threads?brandId=${fixture.brand.id}`, { key: keyOf(role) }),
  },
  'add a note to a conversation': {
    allowed: ['agent', 'lead', 'manager', 'admin'],
    status: 200,
    act: async (role) =>
      call(live.api, 'POST', `/v1/threads/${await sharedThread()}/notes`, {
        key: keyOf(role),
        body: { text: 'Asked the roastery' },
      }),
  },
  "read a brand's queues": {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', `/v1/brands/${fixture.brand.id}/queues`, { key: keyOf(role) }),
  },
  "configure a brand's queues": {
    allowed: ['manager', 'admin'],
    status: 200,
    act: (role) =>
      call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/queues`, {
        key: keyOf(role),
        body: { queues: queuesOf(fixture) },
      }),
  },
  'read their inbox': {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', '/v1/inbox', { key: keyOf(role) }),
  },
  'escalate a conversation to its lead': {
    allowed: ['agent', 'lead', 'manager', 'admin'],
    status: 200,
    act: async (role) =>
      call(live.api, 'POST', `/v1/threads/${await sharedThread()}/escalate`, {
        key: keyOf(role),
        body: { reason: 'The customer asks for a manager' },
      }),
  },
  // An agent may take a conversation for themselves, but handing it to someone else is a lead's call.
  'assign a conversation to someone else of its queue': {
    allowed: ['lead', 'manager', 'admin'],
    status: 200,
    act: async (role) =>
      call(live.api, 'POST', `/v1/threads/${await sharedThread()}/assign`, {
        key: keyOf(role),
        body: { assigneeId: role === 'lead' ? fixture.users.agent.user.id : fixture.users.lead.user.id },
      }),
  },
  'resolve a conversation with a reason': {
    allowed: ['agent', 'lead', 'manager', 'admin'],
    status: 200,
    act: async (role, fresh) =>
      call(live.api, 'POST', `/v1/threads/${fresh ? await startThread() : await sharedThread()}/resolve`, {
        key: keyOf(role),
        body: { reason: 'Answered in the reply' },
      }),
  },
  "rotate an account's inbound secret": {
    allowed: ['admin'],
    status: 200,
    act: (role) =>
      call(live.api, 'POST', `/v1/accounts/${fixture.accounts[0].id}/inbound-secret`, { key: keyOf(role), body: {} }),
  },
  "read a brand's business hours": {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', `/v1/brands/${fixture.brand.id}/business-hours`, { key: keyOf(role) }),
  },
  "set a brand's business hours": {
    allowed: ['manager', 'admin'],
    status: 200,
    act: (role) =>
      call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/business-hours`, {
        key: keyOf(role),
        body: { timeZone: 'Europe/Berlin', weeklyHours: { monday: [{ start: '09:00', end: '17:00' }] } },
      }),
  },
  "set a brand's SLA policy": {
    allowed: ['manager', 'admin'],
    status: 200,
    act: (role) =>
      call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/sla-policy`, {
        key: keyOf(role),
        body: { targets: { first_response: { low: 600 } } },
      }),
  },
  "read a brand's triage rules": {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', `/v1/brands/${fixture.brand.id}/triage-rules`, { key: keyOf(role) }),
  },
  "set a brand's triage rules": {
    allowed: ['manager', 'admin'],
    status: 200,
    act: (role) =>
      call(live.api, 'PUT', `/v1/brands/${fixture.brand.id}/triage-rules`, {
        key: keyOf(role),
        body: { rules: [{ id: 'refund', phrases: ['refund'], priority: 'high' }] },
      }),
  },
  'list reply templates': {
    allowed: EVERYONE,
    status: 200,
    act: (role) => call(live.api, 'GET', `/v1/templates?brandId=${fixture.brand.id}`, { key: keyOf(role) }),
  },
  'create a reply template': {
    allowed: ['manager', 'admin'],
    status: 201,
    act: (role) =>
      call(live.api, 'POST', '/v1/templates', {
        key: keyOf(role),
        body: { brandId: fixture.brand.id, name: uniqueId('Thanks'), body: 'Thanks, {{customer.name}}!' },
      }),
  },
  'read a reply template': {
    allowed: EVERYONE,
    status: 200,
    act: async (role) => call(live.api, 'GET', `/v1/templates/${await replyTemplate()}`, { key: keyOf(role) }),
  },
  'replace a reply template': {
    allowed: ['manager', 'admin'],
    status: 200,
    act: async (role) =>
      call(live.api, 'PUT', `/v1/templates/${await replyTemplate()}`, {
        key: keyOf(role),
        body: { name: uniqueId('Sorry'), body: 'Sorry about that.' },
      }),
  },
  'delete a reply template': {
    allowed: ['manager', 'admin'],
    status: 204,
    act: async (role) => call(live.api, 'DELETE', `/v1/templates/${await replyTemplate()}`, { key: keyOf(role) }),
  },
  "pause the brand's publishing": {
    allowed: ['manager', 'admin'],
    status: 200,
    act: async (role) => {
      // A brand of its own, so that pausing holds back none of the posts the other actions use.
      const team = await sharedPost('pause-brand', () => brand(live, ['x']));
      return call(live.api, 'POST', `/v1/brands/${team.brand.id}/pause`, {
        key: keyOf(role, team),
        body: { reason: 'test' },
      });
    },
  },
};

describe.each(Object.entries(MATRIX))('who may %s', (action, { allowed, status, act }) => {
  const rows = ROLES.map((role) => [allowed.includes(role) ? 'lets' : 'refuses', role] as const);
  it.each(rows)(`%s %s`, async (verdict, role) => {
    const response = await act(role, verdict === 'lets');
    if (verdict === 'lets') {
      // A 204 answers with no body at all.
      const body = status === 204 ? undefined : expect.anything();
      expect({ role, status: response.status, body: response.body }).toEqual({ role, status, body });
    } else {
      expect({ role, status: response.status }).toEqual({ role, status: 403 });
      expect(response.body).toMatchObject({ error: 'forbidden', message: expect.any(String) });
    }
  });
});

describe('refusals decided by the workflow', () => {
  it("answers a decision for a stage the post is not in with 409 and the workflow's reason", async () => {
    const { postId, revision } = await postAwaiting(live, fixture, 'copy_edit');
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: keyOf('final_approver'),
      body: { stage: 'final_approval', revision, decision: 'approve' },
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({
      reason: 'InvalidTransition',
      message: 'post is in copy_edit, not final_approval',
    });
  });

  it('refuses a decision on a revision that is not the current one with 409', async () => {
    const { postId } = await postAwaiting(live, fixture, 'copy_edit');
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: keyOf('copy_editor'),
      body: { stage: 'copy_edit', revision: 7, decision: 'approve' },
    });
    expect(response.status).toBe(409);
    expect(response.body).toMatchObject({ reason: 'StaleRevision', message: expect.stringContaining('revision 7') });
  });

  it('never lets authors review their own post, whatever other role they hold (403)', async () => {
    const writer = await insertUser(live.harness.db, { roles: ['author', 'copy_editor'], brandId: fixture.brand.id });
    const created = await createPost(live, fixture, { key: writer.apiKey });
    expect(created.status).toBe(201);
    const { post } = await postWhen(live, writer.apiKey, created.body.postId, stageOpen('copy_edit'));
    const response = await call(live.api, 'POST', `/v1/posts/${created.body.postId}/reviews`, {
      key: writer.apiKey,
      body: { stage: 'copy_edit', revision: post.revision, decision: 'approve' },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({ reason: 'Forbidden', message: expect.stringContaining('cannot review it') });
  });

  it("refuses an author acting on someone else's post before asking the workflow", async () => {
    const { postId } = await postAwaiting(live, fixture, 'copy_edit');
    const otherAuthor = await insertUser(live.harness.db, { roles: ['author'], brandId: fixture.brand.id });
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/cancel`, {
      key: otherAuthor.apiKey,
      body: { reason: 'mine now' },
    });
    expect(response.status).toBe(403);
    expect(response.body.message).toBe('a post is cancelled only by its author or manager or admin');
  });

  it("refuses an author revising a colleague's post (403 with the reason), while its author may", async () => {
    const postId = await draftingPost(true);
    const colleague = await insertUser(live.harness.db, { roles: ['author'], brandId: fixture.brand.id });
    const revision = (text: string) => ({
      variants: fixture.accounts.map((account) => ({ accountId: account.id, text })),
    });
    const refused = await call(live.api, 'POST', `/v1/posts/${postId}/revisions`, {
      key: colleague.apiKey,
      body: revision('Not my post, but my words'),
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({
      error: 'forbidden',
      message: 'a post is revised only by its author, or by manager once drafting has been escalated',
    });

    const accepted = await call(live.api, 'POST', `/v1/posts/${postId}/revisions`, {
      key: keyOf('author'),
      body: revision('Fresh beans, fresh week'),
    });
    expect(accepted.status).toBe(200);
    const { post } = await postWhen(live, keyOf('viewer'), postId, (state) => state.revision === 1);
    expect(post.content.variants.map((variant: { text: string }) => variant.text)).toEqual(
      fixture.accounts.map(() => expect.stringContaining('Fresh beans, fresh week')),
    );
  });

  it("refuses the backup role a revision before drafting has been escalated, in the workflow's words", async () => {
    const postId = await draftingPost(true);
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/revisions`, {
      key: keyOf('manager'),
      body: { variants: fixture.accounts.map((account) => ({ accountId: account.id, text: 'Stepping in early' })) },
    });
    expect(response.status).toBe(403);
    expect(response.body).toMatchObject({
      reason: 'Forbidden',
      message: 'a post is revised only by its author, or by manager once drafting has been escalated',
    });
  });

  it('refuses to publish now a post still in review (409)', async () => {
    const { postId } = await postAwaiting(live, fixture, 'copy_edit');
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/publish-now`, {
      key: keyOf('manager'),
      body: {},
    });
    expect(response.status).toBe(409);
    expect(response.body.message).toBe('post is in copy_edit; only a scheduled post can be published now');
  });

  it('refuses a publish time in the past (400)', async () => {
    const postId = await draftingPost(true);
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/reschedule`, {
      key: keyOf('manager'),
      body: { publishAt: '2020-01-01T09:00:00Z' },
    });
    // Refused at the edge, before the workflow is asked, naming the field.
    expect(response.status).toBe(400);
    expect(response.body.error).toBe('invalid_input');
    expect(response.body.issues[0]).toMatchObject({
      path: ['publishAt'],
      message: expect.stringContaining('is in the past'),
    });
  });

  it('answers a revision that fails the quality checks with 422 and the issues to fix', async () => {
    const postId = await draftingPost(true);
    const tooLong = 'Our autumn blend is here. '.repeat(20);
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/revisions`, {
      key: keyOf('author'),
      body: {
        variants: [{ accountId: fixture.accounts.find((account) => account.platform === 'x')!.id, text: tooLong }],
      },
    });
    expect(response.status).toBe(422);
    expect(response.body).toMatchObject({ error: 'quality_check_failed', revision: 1 });
    expect(response.body.qualityIssues).toEqual(expect.arrayContaining([expect.objectContaining({ platform: 'x' })]));
  });

  it('answers any change to a cancelled post with 409', async () => {
    const postId = await draftingPost(true);
    expect(
      (
        await call(live.api, 'POST', `/v1/posts/${postId}/cancel`, {
          key: keyOf('manager'),
          body: { reason: 'dropped' },
        })
      ).status,
    ).toBe(200);
    await postWhen(live, keyOf('viewer'), postId, (post) => post.stage === 'cancelled');
    const response = await call(live.api, 'POST', `/v1/posts/${postId}/reschedule`, {
      key: keyOf('manager'),
      body: { publishAt: await localTimeAhead(live, fixture, 5 * DAY_MS) },
    });
    expect(response.status).toBe(409);
    expect(response.body.message).toMatch(/cancelled/);
  });
});
