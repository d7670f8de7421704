/**
 * `npm start` killed with SIGKILL at random moments while clients create and drive posts and
 * conversations through its API, and started again each time on the same data. Whatever the
 * moments, every post publishes once per account, every SLA clock fires once, and every workflow
 * history is whole and replays with the workflow code.
 */
import { createHmac } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { temporal } from '@temporalio/proto';
import { until } from '../helpers/processes';
import { testWorkflowBundlePath } from '../setup/workflowBundle';
import { embeddedRun, type Answer, type EmbeddedRun } from './embeddedRun';
import { historyProblems } from './historyProblems';

try {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
} catch {
  // Already installed for this file.
}

const POSTS = 80;
const CONVERSATIONS = 120;
const KILLS = 3;
const ACCOUNTS = ['demo-x', 'demo-linkedin', 'demo-bluesky'];
const INBOUND_ACCOUNT = 'demo-x';
const CLIENTS = 6;

const seed = Number(process.env.KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));

/** mulberry32: small, seeded, good enough to pick moments and choices reproducibly. */
function seededRandom(start: number): () => number {
  let state = start >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seededRandom(seed);
/** The kills draw from a sequence of their own, so that the clients' timing does not move them. */
const killRandom = seededRandom(seed ^ 0x5bd1e995);
const between = (low: number, high: number, draw = random): number => low + Math.floor(draw() * (high - low));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const outputsDirectory = path.join(os.tmpdir(), `socialops-kill-under-load-${seed}`);
let run: EmbeddedRun;

beforeAll(async () => {
  process.stdout.write(`kill under load: seed ${seed} (KILL_SEED=${seed} repeats the same moments and choices)\n`);
  run = await embeddedRun({ API_RATE_LIMIT_PER_MINUTE: '0' });
}, 120_000);

afterAll(async () => {
  run?.saveOutputs(outputsDirectory);
  process.stdout.write(`kill under load: the output of every start is in ${outputsDirectory}\n`);
  await run?.cleanUp();
}, 120_000);

function expectStatus(what: string, answer: Answer, ...statuses: number[]): void {
  if (!statuses.includes(answer.status)) {
    throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  }
}

/** Runs `work` over `items` with `limit` of them at a time. */
async function inParallel<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) await work(items[next++]);
    }),
  );
}

interface PlannedPost {
  index: number;
  postId?: string;
  accounts: string[];
}

interface PlannedConversation {
  threadId: string;
  replied: boolean;
}

async function createAndApprovePost(keys: Record<string, string>, post: PlannedPost): Promise<void> {
  const publishAt = new Date(Date.now() + between(5_000, 40_000)).toISOString();
  const body = {
    brandId: 'demo',
    title: `Winter blend ${post.index}`,
    riskTier: 'low',
    flags: [],
    publishAt,
    draft: {
      variants: post.accounts.map((accountId) => ({
        accountId,
        text: `Our winter blend no. ${post.index} is here https://example.com/winter`,
      })),
    },
  };
  const created = await run.retried('POST', '/v1/posts', {
    key: keys.alice,
    body,
    headers: { 'idempotency-key': `kill-under-load-${seed}-${post.index}` },
  });
  expectStatus(`creating post ${post.index}`, created, 201);
  post.postId = created.body.postId;
  for (const [stage, reviewer] of [
    ['copy_edit', 'carla'],
    ['final_approval', 'fiona'],
  ] as const) {
    await approveWhenOpen(keys[reviewer], post.postId!, stage);
  }
}

const REVIEW_ORDER = ['drafting', 'copy_edit', 'final_approval'];

/**
 * Approves the stage once it is open. A decision whose answer was lost with the process is
 * answered 409 when repeated; the post's state says whether it took effect.
 */
async function approveWhenOpen(key: string, postId: string, stage: string): Promise<void> {
  const giveUpAt = Date.now() + 120_000;
  for (;;) {
    const read = await run.retried('GET', `/v1/posts/${postId}`, { key });
    expectStatus(`reading post ${postId}`, read, 200);
    const state = read.body.post;
    if (Date.now() > giveUpAt) {
      throw new Error(
        `${stage} of ${postId} never opened: ${JSON.stringify(read.body)}\n${await lastEvents(`post:${postId}`)}`,
      );
    }
    // Past the stage (or beyond review altogether): the approval took effect, whether or not its answer came.
    if (REVIEW_ORDER.indexOf(state.stage) > REVIEW_ORDER.indexOf(stage) || !REVIEW_ORDER.includes(state.stage)) return;
    if (state.openStages?.includes(stage)) {
      const answer = await run.retried('POST', `/v1/posts/${postId}/reviews`, {
        key,
        body: { stage, revision: state.revision, decision: 'approve' },
      });
      if (answer.status === 200) return;
      if (answer.status !== 409) {
        throw new Error(
          `approving ${stage} of ${postId}: ${answer.status} ${JSON.stringify(answer.body)}\n${await lastEvents(`post:${postId}`)}`,
        );
      }
    }
    await sleep(200);
  }
}

/** The end of a workflow's history, to say where it stands when it does not move. */
async function lastEvents(workflowId: string): Promise<string> {
  const { client, close } = await run.temporal();
  try {
    const handle = client.workflow.getHandle(workflowId);
    const description = await handle.describe();
    const history = await handle.fetchHistory();
    const events = (history.events ?? []).slice(-25).map((event) => {
      const failed = event.workflowTaskFailedEventAttributes;
      const why = failed ? ` ${String(failed.cause)} ${failed.failure?.message ?? ''}` : '';
      return `${String(event.eventId)} ${temporal.api.enums.v1.EventType[event.eventType ?? 0]} ${String(event.eventTime?.seconds)}${why}`;
    });
    // Kept beside the outputs of each start, to be replayed where the run went wrong.
    fs.mkdirSync(outputsDirectory, { recursive: true });
    fs.writeFileSync(
      path.join(outputsDirectory, `${workflowId.replace(/[^\w-]/g, '_')}.history.json`),
      historyToJSON(history),
    );
    const replay = await Worker.runReplayHistory(
      { workflowBundle: { codePath: testWorkflowBundlePath() } },
      history,
      workflowId,
    ).then(
      () => 'replays',
      (error: unknown) => `does not replay: ${String(error)}`,
    );
    const pending = {
      workflowTask: description.raw.pendingWorkflowTask ?? null,
      activities: (description.raw.pendingActivities ?? []).map((activity) => ({
        type: activity.activityType?.name,
        state: activity.state,
        attempt: activity.attempt,
        lastFailure: activity.lastFailure?.message,
      })),
    };
    return `${description.status.name}, ${replay}, pending ${JSON.stringify(pending)}\n${events.join('\n')}`;
  } catch (error) {
    return `no history: ${String(error)}`;
  } finally {
    await close();
  }
}

async function deliver(secret: string, events: unknown[]): Promise<void> {
  const raw = JSON.stringify({ events });
  const signature = `sha256=${createHmac('sha256', secret).update(raw).digest('hex')}`;
  const answer = await run.retried('POST', `/v1/inbound/${INBOUND_ACCOUNT}`, {
    raw,
    headers: { 'x-socialops-signature': signature },
  });
  expectStatus('delivering inbound messages', answer, 202);
}

function customerMessage(conversation: PlannedConversation, messageId: string, text: string): unknown {
  return {
    threadId: conversation.threadId,
    messageId,
    kind: 'dm',
    author: { id: `customer-${conversation.threadId}`, handle: `@${conversation.threadId}` },
    text,
    sentAt: new Date().toISOString(),
  };
}

/**
 * Replies once. Replies carry no idempotency key, so a reply whose answer was lost is looked for
 * in the conversation before it is sent again, as an agent would look before writing again.
 */
async function replyOnce(key: string, conversation: PlannedConversation): Promise<void> {
  const id = `${INBOUND_ACCOUNT}:${conversation.threadId}`;
  const text = `Thanks for writing, ${conversation.threadId}: your order is on its way.`;
  const giveUpAt = Date.now() + 120_000;
  for (;;) {
    const read = await run.retried('GET', `/v1/threads/${encodeURIComponent(id)}`, { key });
    if (Date.now() > giveUpAt) {
      throw new Error(`no reply reached ${id}: ${JSON.stringify(read.body)}\n${await lastEvents(`thread:${id}`)}`);
    }
    if (read.status === 200) {
      const sent = (read.body.state?.messages ?? []).some((message: { text: string }) => message.text === text);
      if (sent) return;
      const answer = await run
        .request('POST', `/v1/threads/${encodeURIComponent(id)}/reply`, { key, body: { text } })
        .catch(() => undefined);
      if (answer?.status === 200) return;
    }
    await sleep(300);
  }
}

async function converse(secret: string, key: string, batch: PlannedConversation[]): Promise<void> {
  await deliver(
    secret,
    batch.map((conversation) =>
      customerMessage(conversation, `${conversation.threadId}-1`, 'Hello, when will my parcel arrive?'),
    ),
  );
  const replied = batch.filter((conversation) => conversation.replied);
  if (replied.length === 0) return;
  await sleep(between(1_000, 10_000));
  await inParallel(replied, 3, (conversation) => replyOnce(key, conversation));
  // A second message after the reply starts the next-response clock, which nobody answers.
  await deliver(
    secret,
    replied.map((conversation) =>
      customerMessage(conversation, `${conversation.threadId}-2`, 'Thank you, and the invoice?'),
    ),
  );
}

/** Kills and restarts `npm start` KILLS times at random moments, or fewer if the test already failed. */
async function killAtRandomMoments(failed: () => boolean): Promise<number[]> {
  const moments: number[] = [];
  const startedAt = Date.now();
  for (let kill = 0; kill < KILLS && !failed(); kill++) {
    await sleep(between(3_000, 20_000, killRandom));
    if (failed()) break;
    moments.push(Date.now() - startedAt);
    await run.kill();
    await sleep(between(0, 3_000, killRandom));
    await run.start();
  }
  return moments;
}

it('publishes every post once per account and fires every SLA clock once, with whole histories, across kills', async () => {
  await run.start();
  const keys = run.keys();
  const issued = await run.retried('POST', `/v1/accounts/${INBOUND_ACCOUNT}/inbound-secret`, {
    key: keys.adam,
    body: {},
  });
  expectStatus('issuing the inbound secret', issued, 200, 201);
  const secret: string = issued.body.secret;
  const target = { urgent: 1, high: 1, normal: 1, low: 1 };
  const policy = await run.retried('PUT', '/v1/brands/demo/sla-policy', {
    key: keys.mia,
    body: {
      targets: { first_response: target, next_response: target },
      timeBasis: { first_response: 'calendar', next_response: 'calendar', resolution: 'calendar' },
    },
  });
  expectStatus('setting the SLA policy', policy, 200);

  const posts: PlannedPost[] = Array.from({ length: POSTS }, (_, index) => ({
    index,
    accounts: ACCOUNTS.filter((_, position) => position === 0 || random() < 0.6),
  }));
  const conversations: PlannedConversation[] = Array.from({ length: CONVERSATIONS }, (_, index) => ({
    threadId: `kill-${seed}-${index}`,
    replied: random() < 0.4,
  }));
  const batches = Array.from({ length: CONVERSATIONS / 10 }, (_, index) =>
    conversations.slice(index * 10, index * 10 + 10),
  );

  const startedAt = Date.now();
  let failed = false;
  const killing = killAtRandomMoments(() => failed);
  await Promise.all([
    inParallel(posts, CLIENTS, (post) => createAndApprovePost(keys, post)),
    inParallel(batches, 2, (batch) => converse(secret, keys.mia, batch)),
  ]).catch(async (error: unknown) => {
    failed = true;
    run.stopRetrying();
    await killing;
    throw error;
  });
  const moments = await killing;
  process.stdout.write(
    `kill under load: killed at ${moments.join(', ')} ms; clients done after ${Date.now() - startedAt} ms\n`,
  );

  const db = await run.database();
  try {
    // Every variant published, once, on the platform and in the projection.
    const variantsPlanned = posts.reduce((sum, post) => sum + post.accounts.length, 0);
    const unpublished = async (): Promise<string[]> => {
      const { rows } = await db.query(
        `SELECT DISTINCT post_id FROM post_variants WHERE status <> 'published' AND post_id = ANY($1)`,
        [posts.map((post) => post.postId)],
      );
      return rows.map((row) => row.post_id);
    };
    await until(async () => {
      const { rows } = await db.query(
        `SELECT count(*)::int AS published FROM post_variants WHERE status = 'published' AND post_id = ANY($1)`,
        [posts.map((post) => post.postId)],
      );
      return rows[0].published === variantsPlanned ? true : undefined;
    }, 120_000).catch(async () => {
      const stuck = await unpublished();
      const where = await Promise.all(
        stuck.slice(0, 3).map(async (postId) => `post:${postId}: ${await lastEvents(`post:${postId}`)}`),
      );
      throw new Error(`${stuck.length} posts not published:\n${where.join('\n\n')}`);
    });
    const publications = await db.query(
      `SELECT post_id, account_id, count(*)::int AS times FROM sandbox_publications
        WHERE post_id = ANY($1) GROUP BY post_id, account_id`,
      [posts.map((post) => post.postId)],
    );
    const published = new Map(publications.rows.map((row) => [`${row.post_id} ${row.account_id}`, row.times]));
    const expected = new Map(posts.flatMap((post) => post.accounts.map((account) => [`${post.postId} ${account}`, 1])));
    expect(published).toEqual(expected);
    const projected = await db.query(
      `SELECT count(*)::int AS matching FROM post_variants v JOIN sandbox_publications p
         ON p.post_id = v.post_id AND p.account_id = v.account_id AND p.external_id = v.external_id
        WHERE v.post_id = ANY($1)`,
      [posts.map((post) => post.postId)],
    );
    expect(projected.rows[0].matching).toBe(variantsPlanned);

    // Every clock nobody answered warned and breached, once each.
    const unanswered = conversations.map((conversation) => ({
      threadId: `${INBOUND_ACCOUNT}:${conversation.threadId}`,
      kind: conversation.replied ? 'next_response' : 'first_response',
    }));
    const breached = async (): Promise<Set<string>> => {
      const { rows } = await db.query(
        `SELECT DISTINCT thread_id FROM sla_events
          WHERE event = 'breach' AND (thread_id, kind) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
        [unanswered.map((clock) => clock.threadId), unanswered.map((clock) => clock.kind)],
      );
      return new Set(rows.map((row) => row.thread_id));
    };
    await until(async () => ((await breached()).size === unanswered.length ? true : undefined), 120_000).catch(
      async () => {
        const fired = await breached();
        const stuck = unanswered.filter((clock) => !fired.has(clock.threadId));
        const where = await Promise.all(
          stuck
            .slice(0, 3)
            .map(
              async (clock) => `${clock.kind} of ${clock.threadId}: ${await lastEvents(`thread:${clock.threadId}`)}`,
            ),
        );
        throw new Error(`${stuck.length} clocks never breached:\n${where.join('\n\n')}`);
      },
    );
    const fired = await db.query(
      `SELECT thread_id, kind, event, count(*)::int AS times FROM sla_events
        WHERE thread_id = ANY($1) AND event IN ('warning', 'breach') GROUP BY thread_id, kind, event`,
      [unanswered.map((clock) => clock.threadId)],
    );
    const firedTimes = new Map(fired.rows.map((row) => [`${row.thread_id} ${row.kind} ${row.event}`, row.times]));
    for (const clock of unanswered) {
      expect([clock, firedTimes.get(`${clock.threadId} ${clock.kind} warning`)]).toEqual([clock, 1]);
      expect([clock, firedTimes.get(`${clock.threadId} ${clock.kind} breach`)]).toEqual([clock, 1]);
    }
    // The audit trail, written once per workflow transition, shows each firing once.
    const audited = await db.query(
      `SELECT entity, action, count(*)::int AS times FROM audit_log
        WHERE entity = ANY($1) GROUP BY entity, action`,
      [unanswered.map((clock) => `thread:${clock.threadId}`)],
    );
    expect(audited.rows.filter((row) => /warning|breach/.test(row.action) && row.times !== 1)).toEqual([]);
  } finally {
    await db.end();
  }

  // Every history, of every run of every workflow, is whole and replays with the workflow code.
  const { client, close } = await run.temporal();
  try {
    const histories: Array<{ workflowId: string; history: temporal.api.history.v1.IHistory }> = [];
    for await (const execution of client.workflow.list()) {
      const history = await client.workflow.getHandle(execution.workflowId, execution.runId).fetchHistory();
      histories.push({ workflowId: execution.workflowId, history });
    }
    expect(histories.length).toBeGreaterThanOrEqual(POSTS + CONVERSATIONS);
    expect(
      histories.flatMap(({ workflowId, history }) =>
        historyProblems(history).map((problem) => `${workflowId}: ${problem}`),
      ),
    ).toEqual([]);
    const failures: string[] = [];
    for await (const result of Worker.runReplayHistories(
      { workflowBundle: { codePath: testWorkflowBundlePath() } },
      histories,
    )) {
      if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
    }
    expect(failures).toEqual([]);
  } finally {
    await close();
  }
}, 420_000);
