/**
 * Replies, mentions and quotes of the brand on a real local AT Protocol network reach their
 * conversations through the account's inbound poller, with the same clocks as webhook messages.
 */
import { RichText, type AppBskyFeedDefs } from '@atproto/api';
import type { WorkflowHandle } from '@temporalio/client';
import { startBlueskyInbound } from '../../activities/connectors/bluesky/startPolling';
import { createBlueskyConnector, eventOfNotification, idOfUri, uriOfId } from '../../activities/connectors/bluesky';
import type { BlueskyConnector } from '../../activities/connectors/bluesky';
import { deliverInbound, startOrSignalWith } from '../../activities/connectors/inboundDelivery';
import { createAccountCredentialStore } from '../../db/accountCredentials';
import { createAccountStore, type Account } from '../../db/accounts';
import { createBlueskyInboundCursorStore } from '../../db/blueskyInboundCursors';
import { createThreadStore } from '../../db/threads';
import {
  BLUESKY_INBOUND_WORKFLOW_TYPE,
  blueskyInboundWorkflowId,
  getBlueskyInboundState,
  type BlueskyInboundInput,
  type BlueskyInboundState,
} from '../../workflows/blueskyInbound/messages';
import { replyToThread, threadWorkflowId, type ThreadState } from '../../workflows/thread/messages';
import { startBlueskyNetwork, type BlueskyNetwork, type NetworkUser } from '../helpers/blueskyNetwork';
import { insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';
import { startPostHarness, type PostHarness } from './postHarness';
import { stateWhen } from './threadDriver';

/** Small, so that the test sees the poller continue as new several times. */
const POLLS_PER_RUN = 2;

let bsky: BlueskyNetwork;
let harness: PostHarness;
let fixture: BrandFixture;
let account: Account;
let connector: BlueskyConnector;
let poller: WorkflowHandle;

async function connect(accountToConnect: Account, user: NetworkUser & { appPassword: string }): Promise<void> {
  await createAccountCredentialStore(harness.db, { key: TEST_INBOUND_SECRET_KEY }).set({
    accountId: accountToConnect.id,
    login: user.handle,
    serviceUrl: bsky.pdsUrl,
    password: user.appPassword,
    now: new Date(),
  });
  await createAccountStore(harness.db).setConnector({ accountId: accountToConnect.id, connector: 'bluesky' });
}

const pollerState = (): Promise<BlueskyInboundState> => poller.query(getBlueskyInboundState);

/** Lets the AppView index what was written, asks the poller to read, and waits until it has. */
async function readNotifications(): Promise<BlueskyInboundState> {
  await bsky.settle();
  const before = (await pollerState()).polls;
  await startBlueskyInbound({
    workflow: harness.env.client.workflow,
    taskQueue: harness.taskQueue,
    accountId: account.id,
  });
  const giveUpAt = Date.now() + 30_000;
  for (;;) {
    const state = await pollerState();
    if (state.polls > before || Date.now() > giveUpAt) return state;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

const conversation = (rootUri: string) =>
  harness.env.client.workflow.getHandle(threadWorkflowId(`${account.id}:${idOfUri(rootUri)}`));

const inbound = (state: ThreadState) => state.messages.filter((message) => message.direction === 'inbound');
const runningClocks = (state: ThreadState) => state.sla.running.map((clock) => clock.kind).sort();

async function publishAsBrand(text: string): Promise<{ uri: string; cid: string }> {
  const published = await connector.publish(
    {
      postId: uniqueId('post'),
      revision: 1,
      accountId: account.id,
      platform: 'bluesky',
      text,
      media: [],
      keyFixedAt: new Date().toISOString(),
    },
    uniqueId('key'),
  );
  await bsky.settle();
  const [view] = (await bsky.users[0].agent.app.bsky.feed.getPosts({ uris: [published.externalId] })).data.posts;
  return { uri: view.uri, cid: view.cid };
}

beforeAll(async () => {
  bsky = await startBlueskyNetwork({ users: ['alice', 'bob', 'carol'] });
  harness = await startPostHarness({ inboundSecretKey: TEST_INBOUND_SECRET_KEY });
  fixture = await insertBrandFixture(harness.db, { platforms: ['bluesky'] });
  account = fixture.accounts[0];
  await connect(account, bsky.brand);
  connector = createBlueskyConnector({ db: harness.db, secretKey: TEST_INBOUND_SECRET_KEY });
  poller = await harness.env.client.workflow.start(BLUESKY_INBOUND_WORKFLOW_TYPE, {
    workflowId: blueskyInboundWorkflowId(account.id),
    taskQueue: harness.taskQueue,
    args: [{ accountId: account.id, pollsPerRun: POLLS_PER_RUN } satisfies BlueskyInboundInput],
  });
}, 240_000);

afterAll(async () => {
  await harness?.teardown();
  await bsky?.close();
});

describe('Bluesky inbound', () => {
  let launch: { uri: string; cid: string };
  let aliceReply: { uri: string; cid: string };

  it('opens a conversation with a running first response clock when another user replies to a published post', async () => {
    const [alice] = bsky.users;
    launch = await publishAsBrand(`Our spring menu is out ${uniqueId('menu')}`);
    aliceReply = await alice.agent.post({
      text: 'Is the oat latte on it too?',
      reply: { root: launch, parent: launch },
    });

    await readNotifications();
    const state = await stateWhen(conversation(launch.uri), (s) => inbound(s).length === 1);

    expect(state.externalThreadId).toBe(idOfUri(launch.uri));
    expect(inbound(state)).toEqual([
      expect.objectContaining({
        externalId: idOfUri(aliceReply.uri),
        kind: 'comment',
        text: 'Is the oat latte on it too?',
        author: expect.objectContaining({ id: alice.did, handle: alice.handle }),
        inReplyTo: idOfUri(launch.uri),
        postExternalId: idOfUri(launch.uri),
      }),
    ]);
    expect(state.status).toBe('open');
    expect(runningClocks(state)).toEqual(['first_response', 'resolution']);
  });

  it('opens a conversation for a post that mentions the brand', async () => {
    const [, bob] = bsky.users;
    const text = `Anyone tried @${bsky.brand.handle} yet?`;
    const rich = new RichText({ text });
    await rich.detectFacets(bob.agent);
    const mention = await bob.agent.post({ text: rich.text, facets: rich.facets });

    await readNotifications();
    const state = await stateWhen(conversation(mention.uri), (s) => inbound(s).length === 1);

    expect(inbound(state)).toEqual([
      expect.objectContaining({ externalId: idOfUri(mention.uri), kind: 'mention', text }),
    ]);
    expect(runningClocks(state)).toContain('first_response');
  });

  it('opens a conversation for a post that quotes one of the brand', async () => {
    const [, , carol] = bsky.users;
    const quote = await carol.agent.post({
      text: 'Finally, a menu with oat milk',
      embed: { $type: 'app.bsky.embed.record', record: launch },
    });

    await readNotifications();
    const state = await stateWhen(conversation(quote.uri), (s) => inbound(s).length === 1);

    expect(inbound(state)).toEqual([
      expect.objectContaining({
        externalId: idOfUri(quote.uri),
        kind: 'mention',
        author: expect.objectContaining({ handle: carol.handle }),
        postExternalId: idOfUri(launch.uri),
      }),
    ]);
  });

  it("posts the agent's reply into the Bluesky thread once, and its echo does not start a clock again", async () => {
    const [alice] = bsky.users;
    const handle = conversation(launch.uri);
    const answer = await handle.executeUpdate(replyToThread, {
      args: [{ by: { userId: fixture.users.agent.user.id, roles: ['agent'] }, text: 'It is, from Monday!' }],
    });
    await bsky.settle();

    const thread = await alice.agent.getPostThread({ uri: aliceReply.uri });
    const replies = (thread.data.thread as AppBskyFeedDefs.ThreadViewPost).replies as AppBskyFeedDefs.ThreadViewPost[];
    expect(replies.map((reply) => [reply.post.uri, reply.post.author.did])).toEqual([
      [uriOfId(answer.messageId!), bsky.brand.did],
    ]);

    // The platform shows the reply back as it shows any post: the same id, so it is known as ours.
    const echo = replies[0].post;
    const echoEvent = eventOfNotification({
      uri: echo.uri,
      cid: echo.cid,
      author: { did: echo.author.did, handle: echo.author.handle },
      reason: 'reply',
      reasonSubject: aliceReply.uri,
      record: echo.record,
      isRead: false,
      indexedAt: echo.indexedAt,
    })!;
    expect(echoEvent.messageId).toBe(answer.messageId);
    const delivered = await deliverInbound({
      account,
      events: [echoEvent],
      threads: createThreadStore(harness.db),
      startOrSignal: startOrSignalWith(harness.env.client.workflow, harness.taskQueue),
    });
    await readNotifications();

    const state = await stateWhen(handle, (s) => s.messages.length === 2);
    expect(delivered).toEqual({ accepted: 0, duplicates: 1 });
    expect(state.messages.map((message) => [message.direction, message.externalId])).toEqual([
      ['inbound', idOfUri(aliceReply.uri)],
      ['outbound', answer.messageId],
    ]);
    expect(state.sla.finished.find((clock) => clock.kind === 'first_response')).toMatchObject({
      outcome: 'met',
      endedBy: 'human_reply',
    });
    expect(runningClocks(state)).toEqual(['resolution']);
  });

  it('keeps its cursor across continue-as-new: nothing read twice, new replies read once', async () => {
    const [alice] = bsky.users;
    const before = await pollerState();
    expect(before.runs).toBeGreaterThan(1);
    expect(before.repeated).toBe(0);

    const followUp = await alice.agent.post({
      text: 'Great, see you Monday',
      reply: { root: launch, parent: aliceReply },
    });
    await readNotifications();
    const after = await readNotifications();
    const state = await stateWhen(conversation(launch.uri), (s) => inbound(s).length === 2);

    expect(after.runs).toBeGreaterThan(before.runs);
    expect(after.repeated).toBe(0);
    expect(after.delivered).toBe(before.delivered + 1);
    expect(inbound(state).map((message) => message.externalId)).toEqual([
      idOfUri(aliceReply.uri),
      idOfUri(followUp.uri),
    ]);
    const recorded = await harness
      .db('thread_messages')
      .where({ account_id: account.id, external_message_id: idOfUri(followUp.uri), direction: 'inbound' });
    expect(recorded).toHaveLength(1);
    const cursor = await createBlueskyInboundCursorStore(harness.db).read(account.id);
    expect(cursor?.urisAtIndexedAt).toContain(followUp.uri);
  });

  it('reads again on its durable timer, waiting longer while nothing arrives', async () => {
    const before = await pollerState();
    await harness.env.sleep(before.nextPollInMs + 1000);
    const giveUpAt = Date.now() + 30_000;
    let after = await pollerState();
    while (after.polls === before.polls && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      after = await pollerState();
    }

    expect(after.polls).toBe(before.polls + 1);
    expect(after.quietPolls).toBe(before.quietPolls + 1);
    expect(after.nextPollInMs).toBe(before.nextPollInMs * 2);
  });

  it('stops when the account needs re-authentication, and starts again when credentials are set', async () => {
    const user = await bsky.createAccount('dave');
    const other = await insertBrandFixture(harness.db, { platforms: ['bluesky'] });
    const revokedAccount = other.accounts[0];
    await connect(revokedAccount, user);
    await user.agent.com.atproto.server.revokeAppPassword({ name: 'socialops' });

    await startBlueskyInbound({
      workflow: harness.env.client.workflow,
      taskQueue: harness.taskQueue,
      accountId: revokedAccount.id,
    });
    const stopped = harness.env.client.workflow.getHandle(blueskyInboundWorkflowId(revokedAccount.id));
    const result = (await stopped.result()) as BlueskyInboundState;
    expect(result.stoppedBecause).toMatch(/needs re-authentication/);

    const fresh = await user.agent.com.atproto.server.createAppPassword({ name: 'socialops-2' });
    await connect(revokedAccount, { ...user, appPassword: fresh.data.password });
    await startBlueskyInbound({
      workflow: harness.env.client.workflow,
      taskQueue: harness.taskQueue,
      accountId: revokedAccount.id,
    });
    const restarted = harness.env.client.workflow.getHandle(blueskyInboundWorkflowId(revokedAccount.id));
    const giveUpAt = Date.now() + 30_000;
    let state = await restarted.query(getBlueskyInboundState);
    while (state.polls === 0 && Date.now() < giveUpAt) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      state = await restarted.query(getBlueskyInboundState);
    }
    expect(state).toMatchObject({ polls: 1, stoppedBecause: null, lastError: null });
  });
});
