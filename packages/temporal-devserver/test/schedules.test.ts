/**
 * The schedule service through the SDK's ScheduleClient: schedules are created, described,
 * listed, updated, paused, triggered, backfilled and deleted, and they start workflows on the
 * server's virtual clock, in their time zone, under their overlap policy.
 */
import {
  Client,
  Connection,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
} from '@temporalio/client';
import type { ScheduleOptions } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { collector, failing, quick } from './fixtures/workflows';
import { finish } from './fixtures/messages';
import { msToTs } from '@temporalio/common/lib/time';
import { startDevServer } from '../src';
import { eventually, protoMs, startSuite, type DevServerSuite } from './helpers';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const BERLIN = 'Europe/Berlin';

const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
const scheduledById = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);
const brand = defineSearchAttributeKey('Brand', SearchAttributeType.KEYWORD);

let suite: DevServerSuite;

beforeAll(async () => {
  suite = await startSuite({ taskQueue: 'devserver-schedules', searchAttributes: { Brand: 'Keyword' } });
});

afterEach(async () => {
  if (!suite) return;
  // A schedule left behind would keep firing whenever a later test lets time skip.
  for await (const schedule of suite.client.schedule.list())
    await suite.client.schedule.getHandle(schedule.scheduleId).delete();
});

afterAll(async () => {
  await suite?.stop();
});

/** The id suffix a scheduled workflow gets: its scheduled time in RFC 3339 with whole seconds. */
const idAt = (base: string, ms: number): string => `${base}-${new Date(ms).toISOString().replace('.000Z', 'Z')}`;

function hourlyQuick(scheduleId: string, overrides: Partial<ScheduleOptions> = {}): ScheduleOptions {
  return {
    scheduleId,
    spec: { intervals: [{ every: '1 hour' }] },
    action: {
      type: 'startWorkflow',
      workflowType: quick,
      args: ['scheduled'],
      taskQueue: suite.taskQueue,
      workflowId: `${scheduleId}-wf`,
    },
    ...overrides,
  };
}

interface ScheduledRun {
  workflowId: string;
  status: string;
  scheduledAt?: Date;
  scheduledBy?: string;
}

/** The workflows a schedule started, found by the search attribute the server stamps on them. */
async function scheduledRuns(scheduleId: string): Promise<ScheduledRun[]> {
  const runs: ScheduledRun[] = [];
  for await (const info of suite.client.workflow.list({ query: `TemporalScheduledById = '${scheduleId}'` })) {
    runs.push({
      workflowId: info.workflowId,
      status: info.status.name,
      scheduledAt: info.typedSearchAttributes.get(scheduledStartTime),
      scheduledBy: info.typedSearchAttributes.get(scheduledById),
    });
  }
  return runs.sort((a, b) => (a.scheduledAt?.getTime() ?? 0) - (b.scheduledAt?.getTime() ?? 0));
}

async function runsReaching(scheduleId: string, count: number): Promise<ScheduledRun[]> {
  return eventually(`${scheduleId} has started ${count} workflows`, async () => {
    const runs = await scheduledRuns(scheduleId);
    return runs.length >= count && runs;
  });
}

/** Hour, minute and weekday of an instant on Berlin's clocks. */
function berlinClock(at: Date): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: BERLIN,
    weekday: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);
}

const berlinOffsetAt = (ms: number): string | undefined =>
  new Intl.DateTimeFormat('en-GB', { timeZone: BERLIN, timeZoneName: 'shortOffset' })
    .formatToParts(ms)
    .find((part) => part.type === 'timeZoneName')?.value;

/** Midnight UTC of the next Sunday after `from` on which Berlin's clocks change. */
function nextBerlinClockChange(from: number): number {
  for (let day = Math.floor(from / DAY) * DAY; day < from + 400 * DAY; day += DAY) {
    if (berlinOffsetAt(day + 12 * HOUR) !== berlinOffsetAt(day + DAY + 12 * HOUR)) return day + DAY;
  }
  throw new Error('no clock change in Europe/Berlin within 400 days');
}

test('a schedule is created, described, listed, updated and deleted through the SDK client', async () => {
  const scheduleId = suite.uniqueId('weekly-report');
  const before = await suite.env.currentTimeMs();
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId),
    spec: { calendars: [{ hour: 9, dayOfWeek: 'MONDAY', comment: 'weekly report' }], timezone: BERLIN },
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1 hour' },
    state: { paused: true, note: 'waiting for the brand' },
    memo: { brand: 'acme' },
    typedSearchAttributes: [{ key: brand, value: 'acme' }],
  });

  const described = await handle.describe();
  expect(described.spec.calendars).toEqual([
    expect.objectContaining({
      hour: [{ start: 9, end: 9, step: 1 }],
      minute: [{ start: 0, end: 0, step: 1 }],
      dayOfWeek: [{ start: 'MONDAY', end: 'MONDAY', step: 1 }],
      comment: 'weekly report',
    }),
  ]);
  expect(described.spec.timezone).toBe(BERLIN);
  expect(described.action).toMatchObject({
    type: 'startWorkflow',
    workflowType: 'quick',
    workflowId: `${scheduleId}-wf`,
    args: ['scheduled'],
    taskQueue: suite.taskQueue,
  });
  expect(described.policies).toEqual({
    overlap: ScheduleOverlapPolicy.SKIP,
    catchupWindow: HOUR,
    pauseOnFailure: false,
  });
  expect(described.state).toEqual({ paused: true, note: 'waiting for the brand', remainingActions: undefined });
  expect(described.memo).toEqual({ brand: 'acme' });
  expect(described.typedSearchAttributes.get(brand)).toBe('acme');
  expect(described.info.createdAt.getTime()).toBeGreaterThanOrEqual(before);
  expect(described.info.createdAt.getTime()).toBeLessThanOrEqual(await suite.env.currentTimeMs());
  expect(described.info.nextActionTimes).toHaveLength(10);
  for (const at of described.info.nextActionTimes) expect(berlinClock(at)).toBe('Monday 09:00');

  const listed = [];
  for await (const schedule of suite.client.schedule.list()) listed.push(schedule);
  expect(listed.map((schedule) => schedule.scheduleId)).toEqual([scheduleId]);
  expect(listed[0]).toMatchObject({
    memo: { brand: 'acme' },
    state: { paused: true, note: 'waiting for the brand' },
    action: { type: 'startWorkflow', workflowType: 'quick' },
  });
  expect(listed[0].typedSearchAttributes?.get(brand)).toBe('acme');
  const paused = [];
  for await (const schedule of suite.client.schedule.list({
    query: "TemporalSchedulePaused = true AND Brand = 'acme'",
  }))
    paused.push(schedule.scheduleId);
  expect(paused).toEqual([scheduleId]);
  const otherBrand = [];
  for await (const schedule of suite.client.schedule.list({ query: "Brand = 'globex'" }))
    otherBrand.push(schedule.scheduleId);
  expect(otherBrand).toEqual([]);
  const counted = await suite.client.workflowService.countSchedules({
    namespace: 'default',
    query: `ScheduleId = '${scheduleId}' AND TemporalSchedulePaused = false`,
  });
  expect(Number(counted.count)).toBe(0);

  await handle.update((previous) => ({
    ...previous,
    spec: { intervals: [{ every: '2 hours', offset: '15 minutes' }] },
    action: { ...previous.action, args: ['changed'] },
    state: { ...previous.state, note: 'every two hours now' },
  }));

  const updated = await handle.describe();
  expect(updated.spec.intervals).toEqual([{ every: 2 * HOUR, offset: 15 * 60_000 }]);
  expect(updated.spec.calendars).toEqual([]);
  expect(updated.action).toMatchObject({ args: ['changed'] });
  expect(updated.state.note).toBe('every two hours now');
  expect(updated.info.lastUpdatedAt).toBeInstanceOf(Date);
  for (const at of updated.info.nextActionTimes) expect(at.getTime() % (2 * HOUR)).toBe(15 * 60_000);

  await expect(suite.client.schedule.create(hourlyQuick(scheduleId))).rejects.toBeInstanceOf(ScheduleAlreadyRunning);

  await handle.delete();
  await expect(handle.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
  await expect(suite.client.schedule.getHandle(suite.uniqueId('never-made')).delete()).rejects.toBeInstanceOf(
    ScheduleNotFoundError,
  );
});

test('a cron string becomes a structured calendar in its time zone, and a bad one is refused', async () => {
  const scheduleId = suite.uniqueId('cron');
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId),
    spec: { cronExpressions: [`CRON_TZ=${BERLIN} 30 9 * * MON-FRI # weekday mornings`] },
    state: { paused: true },
  });

  const described = await handle.describe();
  expect(described.spec.timezone).toBe(BERLIN);
  expect(described.spec.calendars).toEqual([
    expect.objectContaining({
      hour: [{ start: 9, end: 9, step: 1 }],
      minute: [{ start: 30, end: 30, step: 1 }],
      dayOfWeek: [{ start: 'MONDAY', end: 'FRIDAY', step: 1 }],
      comment: 'weekday mornings',
    }),
  ]);
  const now = await suite.env.currentTimeMs();
  const { startTime } = await suite.client.workflowService.listScheduleMatchingTimes({
    namespace: 'default',
    scheduleId,
    startTime: msToTs(now),
    endTime: msToTs(now + 7 * DAY),
  });
  const matching = (startTime ?? []).map((ts) => new Date(protoMs(ts)));
  expect(matching).toHaveLength(5);
  expect(matching.map(berlinClock).sort()).toEqual(
    ['Friday', 'Monday', 'Thursday', 'Tuesday', 'Wednesday'].map((day) => `${day} 09:30`),
  );

  await expect(
    suite.client.schedule.create({
      ...hourlyQuick(suite.uniqueId('bad-cron')),
      spec: { cronExpressions: ['61 * * * *'] },
    }),
  ).rejects.toThrow(TypeError);
});

test('an interval schedule starts its workflows on the virtual clock, named and marked by their scheduled time', async () => {
  const scheduleId = suite.uniqueId('hourly');
  const createdAt = await suite.env.currentTimeMs();
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId),
    action: {
      type: 'startWorkflow',
      workflowType: quick,
      args: ['scheduled'],
      taskQueue: suite.taskQueue,
      workflowId: `${scheduleId}-wf`,
      memo: { report: 'weekly' },
      typedSearchAttributes: [{ key: brand, value: 'acme' }],
    },
  });

  await suite.env.sleep('3 hours');

  const due = [1, 2, 3].map((n) => Math.floor(createdAt / HOUR) * HOUR + n * HOUR);
  const runs = await runsReaching(scheduleId, 3);
  expect(runs.map((run) => run.workflowId)).toEqual(due.map((at) => idAt(`${scheduleId}-wf`, at)));
  expect(runs.map((run) => run.scheduledAt?.getTime())).toEqual(due);
  expect(runs.map((run) => run.scheduledBy)).toEqual([scheduleId, scheduleId, scheduleId]);
  const started = await suite.client.workflow.getHandle(runs[0].workflowId).describe();
  expect(started.memo).toEqual({ report: 'weekly' });
  expect(started.typedSearchAttributes.get(brand)).toBe('acme');

  const described = await handle.describe();
  expect(described.info.numActionsTaken).toBe(3);
  expect(described.info.recentActions.map((action) => action.scheduledAt.getTime())).toEqual(due);
  expect(described.info.nextActionTimes[0].getTime()).toBe(due[2] + HOUR);
  // Waiting for a result lets time skip, so the check of what the workflows did comes last.
  expect(await suite.client.workflow.getHandle(runs[0].workflowId).result()).toBe('scheduled');
});

test('a weekly 09:00 calendar in Berlin fires at 09:00 local time on both sides of a clock change', async () => {
  const scheduleId = suite.uniqueId('dst');
  const clockChange = nextBerlinClockChange((await suite.env.currentTimeMs()) + 7 * DAY);
  const mondayBefore = clockChange - 6 * DAY;
  const mondayAfter = clockChange + DAY;
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId),
    spec: {
      calendars: [{ hour: 9, dayOfWeek: 'MONDAY' }],
      timezone: BERLIN,
      startAt: new Date(clockChange - 7 * DAY),
      endAt: new Date(clockChange + 2 * DAY),
    },
  });
  const planned = (await handle.describe()).info.nextActionTimes;
  expect(planned).toHaveLength(2);

  await suite.env.sleep(clockChange + 3 * DAY - (await suite.env.currentTimeMs()));

  const runs = await runsReaching(scheduleId, 2);
  expect(runs).toHaveLength(2);
  const [before, after] = runs.map((run) => run.scheduledAt!);
  expect([before, after].map(berlinClock)).toEqual(['Monday 09:00', 'Monday 09:00']);
  expect(before.getTime()).toBeGreaterThanOrEqual(mondayBefore);
  expect(before.getTime()).toBeLessThan(mondayBefore + DAY);
  expect(after.getTime()).toBeGreaterThanOrEqual(mondayAfter);
  expect(after.getTime()).toBeLessThan(mondayAfter + DAY);
  // A week apart on the wall clock, but not in elapsed time: the hour the clocks moved.
  expect(Math.abs(after.getTime() - before.getTime() - 7 * DAY)).toBe(HOUR);
  expect(runs.map((run) => run.workflowId)).toEqual(planned.map((at) => idAt(`${scheduleId}-wf`, at.getTime())));
});

test('a paused schedule takes no actions, and an unpaused one resumes from then on', async () => {
  const scheduleId = suite.uniqueId('paused');
  const handle = await suite.client.schedule.create(hourlyQuick(scheduleId));
  await handle.pause('brand in crisis');
  expect((await handle.describe()).state).toMatchObject({ paused: true, note: 'brand in crisis' });

  await suite.env.sleep('3 hours');
  expect(await scheduledRuns(scheduleId)).toEqual([]);

  await handle.unpause('crisis over');
  const resumedAt = await suite.env.currentTimeMs();
  expect((await handle.describe()).state).toMatchObject({ paused: false, note: 'crisis over' });
  await suite.env.sleep('2 hours');

  const runs = await runsReaching(scheduleId, 2);
  expect(runs).toHaveLength(2);
  for (const run of runs) expect(run.scheduledAt!.getTime()).toBeGreaterThan(resumedAt);
});

test('trigger starts one workflow now, even on a paused schedule', async () => {
  const scheduleId = suite.uniqueId('trigger');
  const handle = await suite.client.schedule.create(hourlyQuick(scheduleId, { state: { paused: true } }));
  const triggeredAt = await suite.env.currentTimeMs();

  await handle.trigger();

  const [run] = await runsReaching(scheduleId, 1);
  expect(Math.abs(run.scheduledAt!.getTime() - triggeredAt)).toBeLessThan(60_000);
  expect(await suite.client.workflow.getHandle(run.workflowId).result()).toBe('scheduled');
  const described = await handle.describe();
  expect(described.info.numActionsTaken).toBe(1);
  expect(described.info.recentActions.map((action) => action.action.workflow.workflowId)).toEqual([run.workflowId]);
  expect(await scheduledRuns(scheduleId)).toHaveLength(1);
});

test('a backfill starts the times it covers that were missed', async () => {
  const scheduleId = suite.uniqueId('backfill');
  const handle = await suite.client.schedule.create(hourlyQuick(scheduleId, { state: { paused: true } }));
  const now = await suite.env.currentTimeMs();
  const lastHour = Math.floor(now / HOUR) * HOUR;

  await handle.backfill({
    start: new Date(lastHour - 3 * HOUR - 1),
    end: new Date(lastHour),
    overlap: ScheduleOverlapPolicy.ALLOW_ALL,
  });

  const runs = await runsReaching(scheduleId, 4);
  expect(runs.map((run) => run.scheduledAt?.getTime())).toEqual([3, 2, 1, 0].map((n) => lastHour - n * HOUR));
  expect((await handle.describe()).info.numActionsTaken).toBe(4);
});

test('a backfill under BUFFER_ONE starts one, holds one until it closes, and skips the rest', async () => {
  const scheduleId = suite.uniqueId('backfill-buffer');
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId, { state: { paused: true } }),
    action: { type: 'startWorkflow', workflowType: collector, taskQueue: suite.taskQueue, workflowId: scheduleId },
  });
  const lastHour = Math.floor((await suite.env.currentTimeMs()) / HOUR) * HOUR;

  await handle.backfill({
    start: new Date(lastHour - 4 * HOUR - 1),
    end: new Date(lastHour),
    overlap: ScheduleOverlapPolicy.BUFFER_ONE,
  });

  const [first] = await runsReaching(scheduleId, 1);
  expect(first.scheduledAt?.getTime()).toBe(lastHour - 4 * HOUR);
  let described = await handle.describe();
  expect(described.info.runningActions.map((action) => action.workflow.workflowId)).toEqual([first.workflowId]);
  expect(described.info.numActionsSkippedOverlap).toBe(3);
  expect(Number(described.raw.info?.bufferSize)).toBe(1);

  await suite.client.workflow.getHandle(first.workflowId).signal(finish);

  const [, second] = await runsReaching(scheduleId, 2);
  expect(second.scheduledAt?.getTime()).toBe(lastHour - 3 * HOUR);
  described = await handle.describe();
  expect(described.info.runningActions.map((action) => action.workflow.workflowId)).toEqual([second.workflowId]);
  expect(Number(described.raw.info?.bufferSize)).toBe(0);
  await suite.client.workflow.getHandle(second.workflowId).signal(finish);
});

test('a schedule holds at most 1,000 waiting starts, and counts the ones it drops', async () => {
  const scheduleId = suite.uniqueId('buffer-bound');
  const handle = await suite.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1 minute' }] },
    state: { paused: true },
    action: { type: 'startWorkflow', workflowType: collector, taskQueue: suite.taskQueue, workflowId: scheduleId },
  });
  const lastMinute = Math.floor((await suite.env.currentTimeMs()) / 60_000) * 60_000;

  await handle.backfill({
    start: new Date(lastMinute - 1_500 * 60_000 + 1),
    end: new Date(lastMinute),
    overlap: ScheduleOverlapPolicy.BUFFER_ALL,
  });

  const [first] = await runsReaching(scheduleId, 1);
  expect(first.scheduledAt?.getTime()).toBe(lastMinute - 1_499 * 60_000);
  const described = await handle.describe();
  // 1,500 times: 1,000 buffered, of which the first started; the 500 after a full buffer dropped.
  expect(Number(described.raw.info?.bufferSize)).toBe(999);
  expect(Number(described.raw.info?.bufferDropped)).toBe(500);
  expect(described.info.numActionsTaken).toBe(1);
  await handle.delete();
  await suite.client.workflow.getHandle(first.workflowId).signal(finish);
});

test('overlap SKIP skips spec times while the last workflow is still open, and counts them', async () => {
  const scheduleId = suite.uniqueId('skip');
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId),
    action: { type: 'startWorkflow', workflowType: collector, taskQueue: suite.taskQueue, workflowId: scheduleId },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  });

  await suite.env.sleep('3 hours');

  const runs = await runsReaching(scheduleId, 1);
  expect(runs).toHaveLength(1);
  const described = await handle.describe();
  expect(described.info.numActionsTaken).toBe(1);
  expect(described.info.numActionsSkippedOverlap).toBe(2);
  expect(described.info.runningActions.map((action) => action.workflow.workflowId)).toEqual([runs[0].workflowId]);

  await suite.client.workflow.getHandle(runs[0].workflowId).signal(finish);
  await eventually(
    'the schedule sees its workflow close',
    async () => (await handle.describe()).info.runningActions.length === 0,
  );
});

test('a schedule with limited actions stops when they run out', async () => {
  const scheduleId = suite.uniqueId('limited');
  const handle = await suite.client.schedule.create(hourlyQuick(scheduleId, { state: { remainingActions: 2 } }));

  await suite.env.sleep('5 hours');

  expect(await runsReaching(scheduleId, 2)).toHaveLength(2);
  const described = await handle.describe();
  expect(described.state.remainingActions).toBe(0);
  expect(described.info.nextActionTimes).toEqual([]);
  expect(described.info.numActionsTaken).toBe(2);
});

test('pause on failure pauses the schedule when a workflow it started fails', async () => {
  const scheduleId = suite.uniqueId('pause-on-failure');
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId),
    action: {
      type: 'startWorkflow',
      workflowType: failing,
      args: ['broken'],
      taskQueue: suite.taskQueue,
      workflowId: scheduleId,
    },
    policies: { pauseOnFailure: true },
  });

  await handle.trigger();

  const state = await eventually('the schedule pauses', async () => {
    const described = await handle.describe();
    return described.state.paused && described.state;
  });
  expect(state.note).toMatch(/failed/);
  const [run] = await scheduledRuns(scheduleId);
  expect(run.status).toBe('FAILED');
});

test('TERMINATE_OTHER ends the running workflow and starts the new one; CANCEL_OTHER waits for the cancellation', async () => {
  const scheduleId = suite.uniqueId('replace');
  const handle = await suite.client.schedule.create({
    ...hourlyQuick(scheduleId, { state: { paused: true } }),
    action: { type: 'startWorkflow', workflowType: collector, taskQueue: suite.taskQueue, workflowId: scheduleId },
  });

  await handle.trigger(ScheduleOverlapPolicy.ALLOW_ALL);
  const [first] = await runsReaching(scheduleId, 1);
  await suite.env.sleep('1 minute');
  await handle.trigger(ScheduleOverlapPolicy.TERMINATE_OTHER);
  const [terminated, second] = await runsReaching(scheduleId, 2);
  expect(terminated.workflowId).toBe(first.workflowId);
  expect((await suite.client.workflow.getHandle(first.workflowId).describe()).status.name).toBe('TERMINATED');

  await suite.env.sleep('1 minute');
  await handle.trigger(ScheduleOverlapPolicy.CANCEL_OTHER);
  const runs = await runsReaching(scheduleId, 3);
  expect(runs.map((run) => run.workflowId).slice(0, 2)).toEqual([first.workflowId, second.workflowId]);
  expect((await suite.client.workflow.getHandle(second.workflowId).describe()).status.name).toBe('CANCELLED');
  expect((await handle.describe()).info.runningActions.map((action) => action.workflow.workflowId)).toEqual([
    runs[2].workflowId,
  ]);
  await suite.client.workflow.getHandle(runs[2].workflowId).signal(finish);
});

describe('in the dev-server form', () => {
  test('a schedule fires on real time', async () => {
    const server = await startDevServer();
    const connection = await Connection.connect({ address: server.address });
    try {
      const client = new Client({ connection });
      const handle = await client.schedule.create({
        scheduleId: 'every-second',
        spec: { intervals: [{ every: '1 second' }] },
        // Nothing polls this queue: starting the workflow is the action, running it is not needed.
        action: { type: 'startWorkflow', workflowType: 'quick', taskQueue: 'nobody-polls', workflowId: 'tick' },
        policies: { overlap: ScheduleOverlapPolicy.ALLOW_ALL },
      });

      const described = await eventually('the schedule acts twice', async () => {
        const description = await handle.describe();
        return description.info.numActionsTaken >= 2 && description;
      });
      const [firstAt, secondAt] = described.info.recentActions.map((action) => action.scheduledAt.getTime());
      expect(secondAt - firstAt).toBe(1000);
      expect(described.info.recentActions[0].action.workflow.workflowId).toBe(idAt('tick', firstAt));
      await handle.delete();
    } finally {
      await connection.close();
      await server.stop();
    }
  });
});
