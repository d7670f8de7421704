/**
 * The response report reads what the conversation workflow recorded: a conversation answered by
 * an agent half an hour after the customer wrote shows up in its queue with its times.
 */
import { createReportReader } from '../../db/reportReader';
import { localDay } from '../../domain/publishTime';
import { replyToThread } from '../../workflows/thread/messages';
import { insertBrandFixture } from '../helpers/db';
import { startPostHarness, type PostHarness } from './postHarness';
import { conversationOf, stateWhen, writeAsCustomer } from './threadDriver';

const MINUTE_MS = 60_000;
let harness: PostHarness;

beforeAll(async () => {
  harness = await startPostHarness();
});

afterAll(async () => {
  await harness?.teardown();
});

it('reports a conversation the workflow answered, in its queue, with its first response time', async () => {
  const fixture = await insertBrandFixture(harness.db, { platforms: ['x'], timeZone: 'UTC' });
  const input = conversationOf(fixture);
  const handle = await writeAsCustomer(harness, input, { text: 'Where is my order? It was due on Monday.' });
  const received = await stateWhen(handle, (state) => state.messages.length === 1);
  await harness.env.sleep(30 * MINUTE_MS);
  const agent = fixture.users.agent.user.id;
  await handle.executeUpdate(replyToThread, {
    args: [{ by: { userId: agent, roles: ['agent'] }, text: 'Sorry about that, it left our warehouse today.' }],
  });
  await stateWhen(handle, (state) => state.sla.finished.some((clock) => clock.kind === 'first_response'));

  const day = localDay({ instant: received.messages[0].sentAt, timeZone: 'UTC' });
  const report = await createReportReader(harness.db).responses(
    { brandId: fixture.brand.id, timeZone: 'UTC', from: day, to: day },
    'queue',
  );
  expect(report.rows).toHaveLength(1);
  expect(report.rows[0]).toMatchObject({
    group: received.queue,
    conversations: 1,
    responded: 1,
    responseRate: 1,
    sla: { first_response: { met: 1, breached: 0, attainment: 1 } },
  });
  expect(report.rows[0].firstResponse.calendarMinutes.median).toBeCloseTo(30, 0);
});
