/**
 * A brand's weekly report on its Temporal Schedule: it fires at the brand's local time on both
 * sides of a clock change, stores each previous week once and announces it on the webhook.
 */
import type { Client } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { reportScheduleOptions } from '../../api/services/reportSchedules';
import { createReportStore } from '../../db/reports';
import { insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { startReceiverAnswering, WEBHOOK_SECRET, type WebhookReceiver } from '../helpers/webhookReceiver';
import { DAY_MS, HOUR_MS, startPostHarness, type PostHarness } from './postHarness';

const BERLIN = 'Europe/Berlin';
const scheduledStartTime = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

let harness: PostHarness;
let receiver: WebhookReceiver;
let client: Client;

beforeAll(async () => {
  receiver = await startReceiverAnswering([200]);
  harness = await startPostHarness({ webhook: { url: receiver.url, secret: WEBHOOK_SECRET } });
  client = harness.env.client;
});

afterAll(async () => {
  await harness?.teardown();
  await receiver?.close();
});

const berlinOffsetAt = (ms: number): string | undefined =>
  new Intl.DateTimeFormat('en-GB', { timeZone: BERLIN, timeZoneName: 'shortOffset' })
    .formatToParts(ms)
    .find((part) => part.type === 'timeZoneName')?.value;

/** Midnight UTC of the next day after `from` on which Berlin's clocks have changed. */
function nextBerlinClockChange(from: number): number {
  for (let day = Math.floor(from / DAY_MS) * DAY_MS; day < from + 400 * DAY_MS; day += DAY_MS) {
    if (berlinOffsetAt(day + 12 * HOUR_MS) !== berlinOffsetAt(day + DAY_MS + 12 * HOUR_MS)) return day + DAY_MS;
  }
  throw new Error('no clock change in Europe/Berlin within 400 days');
}

const berlinClock = (at: Date): string =>
  new Intl.DateTimeFormat('en-GB', {
    timeZone: BERLIN,
    weekday: 'long',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(at);

const berlinDay = (ms: number): string => new Intl.DateTimeFormat('en-CA', { timeZone: BERLIN }).format(ms);

/** A conversation answered by a person ten minutes after the customer wrote at `at`. */
async function answeredConversation(fixture: BrandFixture, at: number): Promise<void> {
  const threadId = uniqueId('thread');
  await harness.db('threads').insert({
    id: threadId,
    account_id: fixture.accounts[0].id,
    brand_id: fixture.brand.id,
    platform: 'x',
    external_thread_id: threadId,
    workflow_id: `thread:${threadId}`,
    status: 'resolved',
    priority: 'normal',
    category: 'question',
    queue: 'customer_care',
    last_sequence: 1,
    state: '{}',
    updated_at: new Date(at).toISOString(),
  });
  await harness.db('sla_clocks').insert({
    thread_id: threadId,
    clock_id: 'first',
    kind: 'first_response',
    cycle: 1,
    priority: 'normal',
    status: 'met',
    started_at: new Date(at).toISOString(),
    ended_at: new Date(at + 10 * 60_000).toISOString(),
    last_sequence: 1,
    detail: '{}',
    brand_id: fixture.brand.id,
    queue: 'customer_care',
    ended_by: 'human_reply',
    elapsed_calendar_minutes: 10,
    elapsed_business_minutes: 10,
  });
}

test('a schedule fires the weekly report at 09:00 in Berlin on both sides of a clock change', async () => {
  const fixture = await insertBrandFixture(harness.db, { platforms: ['x'], timeZone: BERLIN });
  const clockChange = nextBerlinClockChange((await harness.env.currentTimeMs()) + 14 * DAY_MS);
  // One answered conversation in each of the two weeks the runs report on.
  await answeredConversation(fixture, clockChange - 9 * DAY_MS);
  await answeredConversation(fixture, clockChange - 2 * DAY_MS);
  await answeredConversation(fixture, clockChange - 1 * DAY_MS);

  const options = reportScheduleOptions({
    brandId: fixture.brand.id,
    timeZone: BERLIN,
    taskQueue: harness.taskQueue,
    config: { frequency: 'weekly', dayOfWeek: 'monday', dayOfMonth: 1, time: '09:00', reports: ['responses'] },
  });
  const handle = await client.schedule.create({
    ...options,
    // Two Mondays: the one before the clock change and the one after.
    spec: { ...options.spec, startAt: new Date(clockChange - 7 * DAY_MS), endAt: new Date(clockChange + 2 * DAY_MS) },
  });
  try {
    await harness.env.sleep(clockChange + 3 * DAY_MS - (await harness.env.currentTimeMs()));

    // Visibility follows the runs' starts; wait (in real time, briefly) until both are listed.
    let runs: { at: Date; workflowId: string }[] = [];
    for (const giveUpAt = Date.now() + 20_000; runs.length < 2 && Date.now() < giveUpAt;) {
      runs = [];
      for await (const info of client.workflow.list({ query: `TemporalScheduledById = '${options.scheduleId}'` })) {
        runs.push({ at: info.typedSearchAttributes.get(scheduledStartTime)!, workflowId: info.workflowId });
      }
      if (runs.length < 2) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    for (const run of runs) await client.workflow.getHandle(run.workflowId).result();
    runs.sort((a, b) => a.at.getTime() - b.at.getTime());
    expect(runs.map((run) => berlinClock(run.at))).toEqual(['Monday 09:00', 'Monday 09:00']);
    // A week apart on the wall clock, an hour more or less in elapsed time.
    expect(Math.abs(runs[1].at.getTime() - runs[0].at.getTime() - 7 * DAY_MS)).toBe(HOUR_MS);

    const stored = await createReportStore(harness.db).listStoredReports({
      brandIds: [fixture.brand.id],
      limit: 10,
      offset: 0,
    });
    const periods = stored.map((report) => [report.from, report.to]).sort();
    const firstMonday = berlinDay(runs[0].at.getTime());
    const secondMonday = berlinDay(runs[1].at.getTime());
    const dayBefore = (day: string, days: number) =>
      new Date(Date.parse(`${day}T12:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
    expect(periods).toEqual([
      [dayBefore(firstMonday, 7), dayBefore(firstMonday, 1)],
      [dayBefore(secondMonday, 7), dayBefore(secondMonday, 1)],
    ]);

    const reports = await Promise.all(
      stored.map((report) => createReportStore(harness.db).findStoredReport(report.id)),
    );
    const conversations = Object.fromEntries(
      reports.map((report) => [
        report!.from,
        (report!.reports.responses as { rows: { conversations: number }[] }).rows[0]?.conversations ?? 0,
      ]),
    );
    expect(conversations).toEqual({ [dayBefore(firstMonday, 7)]: 1, [dayBefore(secondMonday, 7)]: 2 });

    const announced = receiver.received.map((request) => JSON.parse(request.body) as Record<string, unknown>);
    expect(announced.filter((body) => body.kind === 'report_ready')).toHaveLength(2);
    expect(announced).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          kind: 'report_ready',
          brandId: fixture.brand.id,
          data: expect.objectContaining({ path: `/v1/reports/stored/${stored[0].id}` }),
        }),
      ]),
    );
  } finally {
    await handle.delete();
  }
});
