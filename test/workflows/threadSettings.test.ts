/**
 * A brand's own conversation settings reach its conversations: triage by its phrase rules, clocks
 * on its business hours and SLA policy, and a change applied to clocks started after it while
 * the running ones finish on the versions they started with.
 */
import { createThreadSettingsStore, type SettingsPart, type SettingsValue } from '../../db/threadSettings';
import { WEEKDAYS } from '../../domain/businessHours';
import { localDay, toUtcInstant } from '../../domain/publishTime';
import { slaPolicyWithDefaults } from '../../domain/sla';
import { DEFAULT_TRIAGE_RULES } from '../../domain/triage';
import type { Actor } from '../../domain/types';
import {
  replyToThread,
  type InboundMessageSignal,
  type ThreadLifecycleInput,
  type ThreadState,
} from '../../workflows/thread/messages';
import { conversationOf, stateWhen, writeAsCustomer } from './threadDriver';
import { insertBrandFixture, type BrandFixture } from '../helpers/db';
import { DAY_MS, startPostHarness, type PostHarness } from './postHarness';

let harness: PostHarness;

beforeAll(async () => {
  harness = await startPostHarness();
});

afterAll(async () => {
  await harness.teardown();
});

function configure<P extends SettingsPart>(
  fixture: BrandFixture,
  part: P,
  settings: Omit<SettingsValue[P], 'version'>,
): Promise<unknown> {
  return createThreadSettingsStore(harness.db).append({
    brandId: fixture.brand.id,
    part,
    settings,
    createdBy: fixture.users.manager.user.id,
  });
}

const conversation = (fixture: BrandFixture): ThreadLifecycleInput => conversationOf(fixture);

const customerWrites = (input: ThreadLifecycleInput, message: Partial<InboundMessageSignal> = {}) =>
  writeAsCustomer(harness, input, { text: 'Where is my order?', ...message });

const inboundCount = (state: ThreadState) => state.messages.filter((message) => message.direction === 'inbound').length;
const clock = (state: ThreadState, kind: string) => state.sla.running.find((running) => running.kind === kind);

describe("a brand's conversation settings", () => {
  it("triages by the brand's phrase rules, recording the rules' version", async () => {
    const fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
    await configure(fixture, 'triage_rules', {
      ...DEFAULT_TRIAGE_RULES,
      rules: [{ id: 'refunds', phrases: ['money back'], priority: 'urgent', category: 'complaint', queue: 'billing' }],
    });
    const handle = await customerWrites(conversation(fixture), {
      kind: 'comment',
      text: 'I want my money back for this broken grinder',
    });
    const state = await stateWhen(handle, (current) => inboundCount(current) === 1);
    expect(state).toMatchObject({ priority: 'urgent', category: 'complaint', queue: 'billing' });
    const audit = await harness
      .db('audit_log')
      .where({ entity: `thread:${state.threadId}`, action: 'message_received' });
    expect(audit[0].detail.triage).toMatchObject({
      rulesVersion: 2,
      matchedRules: [{ ruleId: 'refunds', phrase: 'money back' }],
    });
  });

  it('puts the first response due after the weekend and a holiday on the brand’s business hours and policy', async () => {
    const fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
    const timeZone = 'Europe/Berlin';
    const now = await harness.env.currentTimeMs();
    const days = Array.from({ length: 12 }, (_, index) =>
      localDay({ instant: new Date(now + (index + 1) * DAY_MS).toISOString(), timeZone }),
    );
    const weekday = (day: string) => new Date(`${day}T12:00:00Z`).getUTCDay();
    const friday = days.find((day) => weekday(day) === 5)!;
    const [monday, tuesday] = [3, 4].map((ahead) => days[days.indexOf(friday) + ahead]);
    expect([weekday(monday), weekday(tuesday)]).toEqual([1, 2]);
    await configure(fixture, 'business_hours', {
      timeZone,
      weeklyHours: Object.fromEntries(WEEKDAYS.slice(0, 5).map((day) => [day, [{ start: '09:00', end: '18:00' }]])),
      holidays: [{ date: monday, name: 'Bridge day' }],
    });
    const { version: _version, ...policy } = slaPolicyWithDefaults({
      overrides: { targets: { first_response: { high: 60, normal: 60 } } },
    });
    await configure(fixture, 'sla_policy', policy);

    const fridayEvening = toUtcInstant({ localDateTime: `${friday}T17:55`, timeZone });
    await harness.env.sleep(Date.parse(fridayEvening) - now);
    const handle = await customerWrites(conversation(fixture), { sentAt: fridayEvening });
    const state = await stateWhen(handle, (current) => inboundCount(current) === 1);

    expect(clock(state, 'first_response')).toMatchObject({
      targetMinutes: 60,
      dueAt: toUtcInstant({ localDateTime: `${tuesday}T09:55`, timeZone }),
      calendarVersion: 2,
      policyVersion: 2,
    });
    expect(state.sla.calendar).toMatchObject({ version: 2, timeZone });
  });

  it('applies a changed calendar and policy to clocks started after the change, never to running ones', async () => {
    const fixture = await insertBrandFixture(harness.db, { platforms: ['x'] });
    const roundTheClock = (timeZone: string) => ({
      timeZone,
      weeklyHours: Object.fromEntries(WEEKDAYS.map((day) => [day, [{ start: '00:00', end: '24:00' }]])),
      holidays: [],
    });
    const policyWith = (overrides: Parameters<typeof slaPolicyWithDefaults>[0]['overrides']) => {
      const { version: _version, ...policy } = slaPolicyWithDefaults({ overrides });
      return policy;
    };
    await configure(fixture, 'sla_policy', policyWith({ targets: { first_response: { normal: 120 } } }));
    const input = conversation(fixture);
    const handle = await customerWrites(input);
    const first = await stateWhen(handle, (current) => inboundCount(current) === 1);
    expect(clock(first, 'first_response')).toMatchObject({ policyVersion: 2, calendarVersion: 1, targetMinutes: 120 });

    await harness.env.sleep(10 * 60_000);
    const agent: Actor = { userId: fixture.users.agent.user.id, roles: ['agent'] };
    await handle.executeUpdate(replyToThread, { args: [{ by: agent, text: 'Looking into it now.' }] });
    await configure(fixture, 'business_hours', roundTheClock('Europe/Lisbon'));
    await configure(
      fixture,
      'sla_policy',
      policyWith({ targets: { first_response: { normal: 120 }, next_response: { normal: 45 } } }),
    );
    await customerWrites(input, { text: 'Any news?' });
    const second = await stateWhen(handle, (current) => inboundCount(current) === 2);

    expect(clock(second, 'next_response')).toMatchObject({ policyVersion: 3, calendarVersion: 2, targetMinutes: 45 });
    expect(clock(second, 'resolution')).toMatchObject({ policyVersion: 2, calendarVersion: 1 });
    expect(second.sla.finished).toEqual([
      expect.objectContaining({ kind: 'first_response', outcome: 'met', policyVersion: 2, calendarVersion: 1 }),
    ]);
    expect(second.sla).toMatchObject({ policy: { version: 3 }, calendar: { version: 2, timeZone: 'Europe/Lisbon' } });
  });
});
