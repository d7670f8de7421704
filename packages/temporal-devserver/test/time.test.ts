/**
 * The virtual clock: in time-skipping mode time jumps to the next timer while nothing runs,
 * tests move it forward on purpose with `env.sleep`, and it never jumps past running work.
 */
import { activityRacesTimer, finishOrGiveUp, flakyWithLongBackoff, longTimer, sleeper } from './fixtures/workflows';
import { finish } from './fixtures/messages';
import {
  eventsOfType,
  eventTypes,
  eventually,
  protoMs,
  replayFailures,
  startSuite,
  waitForEvent,
  WORKFLOW_TASK,
  type DevServerSuite,
} from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let suite: DevServerSuite;

beforeAll(async () => {
  suite = await startSuite({ taskQueue: 'devserver-time' });
});

afterAll(async () => {
  await suite?.stop();
});

test('a 30-day timer fires while the client waits for the result', async () => {
  const before = await suite.env.currentTimeMs();
  const handle = await suite.start(longTimer, { workflowId: suite.uniqueId('thirty-days'), args: [30] });

  expect(await handle.result()).toBe('woke');

  expect((await suite.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(30 * DAY);
  const history = await handle.fetchHistory();
  expect(eventTypes(history)).toEqual([
    'WorkflowExecutionStarted',
    ...WORKFLOW_TASK,
    'TimerStarted',
    'TimerFired',
    ...WORKFLOW_TASK,
    'WorkflowExecutionCompleted',
  ]);
  const [started] = eventsOfType(history, 'TimerStarted');
  const [fired] = eventsOfType(history, 'TimerFired');
  expect(protoMs(fired.eventTime) - protoMs(started.eventTime)).toBeGreaterThanOrEqual(30 * DAY);
});

test('a timer cancelled before it fires never fires', async () => {
  const handle = await suite.start(finishOrGiveUp, { workflowId: suite.uniqueId('timer-cancelled') });
  await waitForEvent(handle, 'TimerStarted');

  await handle.signal(finish);

  expect(await handle.result()).toBe('finished');
  const types = eventTypes(await handle.fetchHistory());
  expect(types).toContain('TimerCanceled');
  expect(types).not.toContain('TimerFired');
});

test('the same timer fires when nothing cancels it', async () => {
  const handle = await suite.start(finishOrGiveUp, { workflowId: suite.uniqueId('timer-fires') });

  expect(await handle.result()).toBe('gave up');
  const types = eventTypes(await handle.fetchHistory());
  expect(types).toContain('TimerFired');
  expect(types).not.toContain('TimerCanceled');
});

test('env.sleep moves time forward for workflows waiting on timers, and only as far as asked', async () => {
  const twoHours = await suite.start(sleeper, { workflowId: suite.uniqueId('sleep-two-hours'), args: ['2 hours'] });
  const fiveHours = await suite.start(sleeper, { workflowId: suite.uniqueId('sleep-five-hours'), args: ['5 hours'] });
  await waitForEvent(twoHours, 'TimerStarted');
  await waitForEvent(fiveHours, 'TimerStarted');
  const before = await suite.env.currentTimeMs();

  await suite.env.sleep('3 hours');

  expect((await suite.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * HOUR);
  await eventually(
    'the two-hour sleeper completes',
    async () => (await twoHours.describe()).status.name === 'COMPLETED',
  );
  expect((await fiveHours.describe()).status.name).toBe('RUNNING');
  expect(eventTypes(await fiveHours.fetchHistory())).not.toContain('TimerFired');
  expect(await fiveHours.result()).toBe('woke');
});

test('time does not skip while an activity is running', async () => {
  const handle = await suite.start(activityRacesTimer, { workflowId: suite.uniqueId('activity-holds-time') });

  expect(await handle.result()).toBe('activity');

  const history = await handle.fetchHistory();
  expect(eventTypes(history)).not.toContain('TimerFired');
  const [timerStarted] = eventsOfType(history, 'TimerStarted');
  const [completed] = eventsOfType(history, 'WorkflowExecutionCompleted');
  expect(protoMs(completed.eventTime) - protoMs(timerStarted.eventTime)).toBeLessThan(HOUR);
});

test('time skips over the backoff between activity retries', async () => {
  const before = await suite.env.currentTimeMs();
  const handle = await suite.start(flakyWithLongBackoff, { workflowId: suite.uniqueId('retry-backoff') });

  expect(await handle.result()).toBe(3);

  // One hour before the second attempt and two before the third.
  expect((await suite.env.currentTimeMs()) - before).toBeGreaterThanOrEqual(3 * HOUR);
  const history = await handle.fetchHistory();
  const [scheduled] = eventsOfType(history, 'ActivityTaskScheduled');
  const [started] = eventsOfType(history, 'ActivityTaskStarted');
  expect(started.activityTaskStartedEventAttributes?.attempt).toBe(3);
  expect(protoMs(started.eventTime) - protoMs(scheduled.eventTime)).toBeGreaterThanOrEqual(3 * HOUR);
});

test('every history this file produced replays without a determinism error', async () => {
  expect(await replayFailures(suite)).toEqual([]);
});
