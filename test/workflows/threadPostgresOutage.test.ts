/**
 * A Postgres outage holds a conversation back but never fails it: the message waits, triaged on
 * the brand's settings once Postgres answers, and its clocks count from when the customer wrote.
 * Data Postgres can never take fails the conversation at once, saying why.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { WorkerActivities } from '../../activities';
import { ErrorType } from '../../domain/failureTypes';
import type { Actor } from '../../domain/types';
import { getThreadState, replyToThread, type ThreadState } from '../../workflows/thread/messages';
import { insertBrandFixture, type BrandFixture } from '../helpers/db';
import { startPostHarness, type PostHarness } from './postHarness';
import { conversationOf, stateWhen, writeAsCustomer } from './threadDriver';

const MINUTE_MS = 60_000;
/** Failed attempts during the outage: well past the five attempts a message used to get. */
const OUTAGE_ATTEMPTS = 12;
/** Text of the messages whose brand settings the database is down for. */
const DURING_OUTAGE = 'Hello? Is anyone there? My parcel is lost';
/** Text of the messages whose brand id is sent as data Postgres refuses. */
const UNREADABLE = 'A message for a brand Postgres cannot look up';

let harness: PostHarness;
let fixture: BrandFixture;
const attempts = new Map<string, number>();

beforeAll(async () => {
  harness = await startPostHarness({
    wrapActivities: (activities): WorkerActivities => ({
      ...activities,
      async prepareInbound(input) {
        attempts.set(input.text, (attempts.get(input.text) ?? 0) + 1);
        if (input.text === DURING_OUTAGE && attempts.get(input.text)! <= OUTAGE_ATTEMPTS) {
          throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
        }
        // A NUL is text Postgres never takes, so the real read fails on the data itself.
        if (input.text === UNREADABLE)
          return activities.prepareInbound({ ...input, brandId: `${input.brandId}\u0000` });
        return activities.prepareInbound(input);
      },
    }),
  });
  fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
});

afterAll(async () => {
  await harness?.teardown();
});

const inboundCount = (state: ThreadState) => state.messages.filter((message) => message.direction === 'inbound').length;

function agent(): Actor {
  return { userId: fixture.users.agent.user.id, roles: ['agent'] };
}

describe('a conversation during a Postgres outage', () => {
  it('waits for Postgres however many attempts it takes, then goes on with its clocks counted from the message', async () => {
    const sentAt = new Date(await harness.env.currentTimeMs()).toISOString();
    const handle = await writeAsCustomer(harness, conversationOf(fixture), { text: DURING_OUTAGE, sentAt });

    // The first pauses are short and spent in the worker; the longer ones are timers the test server skips.
    const giveUpAt = Date.now() + 60_000;
    let state = await handle.query(getThreadState);
    while (inboundCount(state) === 0 && Date.now() < giveUpAt) {
      if ((attempts.get(DURING_OUTAGE) ?? 0) >= 4) await harness.env.sleep(MINUTE_MS);
      else await new Promise((resolve) => setTimeout(resolve, 100));
      state = await handle.query(getThreadState);
    }

    expect(attempts.get(DURING_OUTAGE)).toBe(OUTAGE_ATTEMPTS + 1);
    expect(state.status).toBe('open');
    expect(inboundCount(state)).toBe(1);
    const firstResponse = state.sla.running.find((clock) => clock.kind === 'first_response');
    expect(firstResponse?.startedAt).toBe(sentAt);
    const recorded = await harness.db('thread_messages').where({ thread_id: state.threadId, direction: 'inbound' });
    expect(recorded).toHaveLength(1);

    // The outage lasted minutes of the server's time, and the clock counted them.
    const waitedMinutes = ((await harness.env.currentTimeMs()) - Date.parse(sentAt)) / MINUTE_MS;
    expect(waitedMinutes).toBeGreaterThan(3);
    await handle.executeUpdate(replyToThread, { args: [{ by: agent(), text: 'Found it, it arrives tomorrow.' }] });
    const answered = await stateWhen(handle, (current) =>
      current.sla.finished.some((clock) => clock.kind === 'first_response'),
    );
    const finished = answered.sla.finished.find((clock) => clock.kind === 'first_response');
    expect(finished).toMatchObject({ outcome: 'met', endedBy: 'human_reply' });
    expect(finished?.elapsedCalendarMinutes).toBeGreaterThanOrEqual(Math.floor(waitedMinutes));
  });

  it('fails at once, as UnstorableValue, on data Postgres can never take', async () => {
    const handle = await writeAsCustomer(harness, conversationOf(fixture), { text: UNREADABLE });

    const failure = await handle.result().then(
      () => undefined,
      (error: unknown) => error,
    );

    expect(failure).toBeInstanceOf(WorkflowFailedError);
    const reason = (failure as WorkflowFailedError).cause;
    expect(reason).toBeInstanceOf(ApplicationFailure);
    expect(reason).toMatchObject({ type: ErrorType.UnstorableValue, nonRetryable: true });
    expect(reason?.message).toContain('SQLSTATE 22021');
    expect(attempts.get(UNREADABLE)).toBe(1);
  });
});
