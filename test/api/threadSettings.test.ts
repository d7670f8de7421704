/**
 * A brand's conversation settings and reply templates over HTTP: versions, defaults, validation
 * naming the path, brand scoping, and replies rendered from a template through the real workflow.
 */
import { signInboundBody } from '../../api/inboundSignature';
import { createThreadSettingsStore } from '../../db/threadSettings';
import type { BrandFixture } from '../helpers/db';
import { insertBrandFixture, uniqueId } from '../helpers/db';
import { call, type ApiResponse, type Json } from './http';
import { brand, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live, ['x']);
});

afterAll(async () => {
  await live?.teardown();
});

const manager = () => fixture.users.manager.apiKey;
const agent = () => fixture.users.agent.apiKey;

const WORKWEEK = Object.fromEntries(
  ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'].map((day) => [day, [{ start: '09:00', end: '18:00' }]]),
);

function put(path: string, body: unknown, key = manager()): Promise<ApiResponse> {
  return call(live.api, 'PUT', path, { key, body });
}

const issuePaths = (response: ApiResponse): string[] =>
  (response.body.issues as Json[]).map((issue) => (issue.path as unknown[]).join('.'));

describe('business hours', () => {
  it('reads the defaults, then a new version for every change, keeping the earlier ones', async () => {
    const team = await brand(live, ['x']);
    const path = `/v1/brands/${team.brand.id}/business-hours`;
    const before = await call(live.api, 'GET', path, { key: team.users.agent.apiKey });
    expect(before.status).toBe(200);
    expect(before.body).toMatchObject({ source: 'default', version: 1, timeZone: 'UTC', holidays: [] });

    const first = await put(path, { timeZone: 'Europe/Berlin', weeklyHours: WORKWEEK }, team.users.manager.apiKey);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      brandId: team.brand.id,
      source: 'brand',
      version: 2,
      timeZone: 'Europe/Berlin',
      createdBy: team.users.manager.user.id,
    });
    const second = await put(
      path,
      { timeZone: 'Europe/Berlin', weeklyHours: WORKWEEK, holidays: [{ date: '2026-12-25', name: 'Christmas' }] },
      team.users.admin.apiKey,
    );
    expect(second.body.version).toBe(3);

    const current = await call(live.api, 'GET', path, { key: team.users.viewer.apiKey });
    expect(current.body).toMatchObject({ version: 3, holidays: [{ date: '2026-12-25', name: 'Christmas' }] });
    const earlier = await createThreadSettingsStore(live.harness.db).version({
      brandId: team.brand.id,
      part: 'business_hours',
      version: 2,
    });
    expect(earlier?.settings).toMatchObject({ version: 2, holidays: [] });
  });

  it('refuses an invalid calendar with 400 naming the path, and stores nothing', async () => {
    const team = await brand(live, ['x']);
    const path = `/v1/brands/${team.brand.id}/business-hours`;
    const response = await put(
      path,
      {
        timeZone: 'Europe/Berlin',
        weeklyHours: { monday: [{ start: '18:00', end: '09:00' }], friday: [{ start: '09:00', end: '25:00' }] },
        holidays: [{ date: '2026-02-30' }],
      },
      team.users.manager.apiKey,
    );
    expect(response.status).toBe(400);
    expect(issuePaths(response)).toEqual(
      expect.arrayContaining(['weeklyHours.monday.0', 'weeklyHours.friday.0.end', 'holidays.0.date']),
    );
    expect((await call(live.api, 'GET', path, { key: team.users.manager.apiKey })).body.source).toBe('default');

    const zone = await put(path, { timeZone: 'Mars/Olympus', weeklyHours: WORKWEEK }, team.users.manager.apiKey);
    expect(zone.status).toBe(400);
    expect(issuePaths(zone)).toEqual(['timeZone']);
  });

  it('imports the all-day events of an iCalendar feed, listed holidays winning on the same date', async () => {
    const ics = [
      'BEGIN:VCALENDAR',
      'VERSION:2.0',
      'PRODID:-//test//holidays//EN',
      'BEGIN:VEVENT',
      'UID:1',
      'DTSTART;VALUE=DATE:20270101',
      'DTEND;VALUE=DATE:20270102',
      'SUMMARY:New Year',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:2',
      'DTSTART;VALUE=DATE:20271225',
      'SUMMARY:Christmas Day',
      'END:VEVENT',
      'BEGIN:VEVENT',
      'UID:3',
      'DTSTART:20270310T100000Z',
      'DTEND:20270310T110000Z',
      'SUMMARY:Team meeting',
      'END:VEVENT',
      'END:VCALENDAR',
    ].join('\r\n');
    const response = await put(`/v1/brands/${fixture.brand.id}/business-hours`, {
      timeZone: 'Europe/Berlin',
      weeklyHours: WORKWEEK,
      holidays: [
        { date: '2027-12-25', name: 'Closed for Christmas', closedRanges: [{ start: '12:00', end: '24:00' }] },
      ],
      holidaysIcal: ics,
      icalFrom: '2027-01-01',
      icalTo: '2027-12-31',
    });
    expect(response.status).toBe(200);
    expect(response.body.holidays).toEqual([
      { date: '2027-01-01', name: 'New Year' },
      { date: '2027-12-25', name: 'Closed for Christmas', closedRanges: [{ start: '12:00', end: '24:00' }] },
    ]);
    expect(response.body.icalSkipped).toEqual([
      { summary: 'Team meeting', reason: expect.stringContaining('all-day') },
    ]);

    const unreadable = await put(`/v1/brands/${fixture.brand.id}/business-hours`, {
      timeZone: 'Europe/Berlin',
      weeklyHours: WORKWEEK,
      holidaysIcal: 'BEGIN:VCALENDAR\r\nthis is not',
    });
    expect(unreadable.status).toBe(400);
    expect(issuePaths(unreadable)).toEqual(['holidaysIcal']);
  });
});

describe('SLA policy and triage rules', () => {
  it('lays overrides over the defaults, versioned, and refuses a higher priority waiting longer', async () => {
    const team = await brand(live, ['x']);
    const path = `/v1/brands/${team.brand.id}/sla-policy`;
    const defaults = await call(live.api, 'GET', path, { key: team.users.agent.apiKey });
    expect(defaults.body).toMatchObject({ source: 'default', version: 1, targets: { first_response: { high: 60 } } });

    const set = await put(
      path,
      { targets: { first_response: { normal: 120 } }, warning: { minutesBeforeDue: 10 } },
      team.users.manager.apiKey,
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({
      source: 'brand',
      version: 2,
      targets: { first_response: { urgent: 15, high: 60, normal: 120, low: 1440 } },
      warning: { minutesBeforeDue: 10 },
      inactivityCloseMinutes: 14 * 24 * 60,
    });

    const refused = await put(path, { targets: { first_response: { urgent: 600 } } }, team.users.manager.apiKey);
    expect(refused.status).toBe(400);
    expect(issuePaths(refused)).toEqual(['targets.first_response.urgent']);
    const malformed = await put(path, { reopenWindowMinutes: 'soon' }, team.users.manager.apiKey);
    expect(malformed.status).toBe(400);
    expect(issuePaths(malformed)).toEqual(['reopenWindowMinutes']);
    expect((await call(live.api, 'GET', path, { key: team.users.agent.apiKey })).body.version).toBe(2);
  });

  it('stores triage rules as a new version and names the offending rule field', async () => {
    const team = await brand(live, ['x']);
    const path = `/v1/brands/${team.brand.id}/triage-rules`;
    expect((await call(live.api, 'GET', path, { key: team.users.agent.apiKey })).body).toMatchObject({
      source: 'default',
      version: 1,
      rules: [],
    });
    const set = await put(
      path,
      { rules: [{ id: 'refund', phrases: ['refund', 'money back'], priority: 'high', queue: 'billing' }] },
      team.users.manager.apiKey,
    );
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ version: 2, rules: [{ id: 'refund' }], priorityByKind: { dm: 'normal' } });

    const refused = await put(
      path,
      {
        rules: [
          { id: 'refund', phrases: ['refund'], queue: 'Billing Team' },
          { id: 'refund', phrases: ['x'] },
        ],
      },
      team.users.manager.apiKey,
    );
    expect(refused.status).toBe(400);
    expect(issuePaths(refused)).toEqual(expect.arrayContaining(['rules.0.queue', 'rules.1.id', 'rules.1']));
  });

  it('keeps settings within the brand: another brand’s people get 404, and only managers and admins change them', async () => {
    const other = await insertBrandFixture(live.harness.db, { platforms: ['x'] });
    const validBodies: Record<string, unknown> = {
      'business-hours': { timeZone: 'UTC', weeklyHours: WORKWEEK },
      'sla-policy': {},
      'triage-rules': {},
    };
    for (const [part, body] of Object.entries(validBodies)) {
      const path = `/v1/brands/${fixture.brand.id}/${part}`;
      const before = (await call(live.api, 'GET', path, { key: agent() })).body.version;
      expect((await call(live.api, 'GET', path, { key: other.users.manager.apiKey })).status).toBe(404);
      expect((await put(path, body, other.users.manager.apiKey)).status).toBe(404);
      const byAgent = await put(path, body, agent());
      expect(byAgent.status).toBe(403);
      expect((await call(live.api, 'GET', path, { key: agent() })).body.version).toBe(before);
    }
  });
});

describe('reply templates', () => {
  const create = (body: Record<string, unknown>, key = manager()) =>
    call(live.api, 'POST', '/v1/templates', { key, body: { brandId: fixture.brand.id, ...body } });

  it('creates, lists, reads, replaces and deletes a template; a deleted one is gone and frees its name', async () => {
    const name = uniqueId('Shipping delay');
    const created = await create({ name, body: 'Hi {{customer.name}}, your parcel is on its way.' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name, brandId: fixture.brand.id, variables: ['customer.name'] });
    const id = created.body.id as string;

    const listed = await call(live.api, 'GET', `/v1/templates?brandId=${fixture.brand.id}`, { key: agent() });
    expect(listed.body.items.map((item: Json) => item.id)).toContain(id);
    expect((await call(live.api, 'GET', `/v1/templates/${id}`, { key: agent() })).body.name).toBe(name);

    const taken = await create({ name: name.toUpperCase(), body: 'Another' });
    expect(taken.status).toBe(409);

    const replaced = await put(`/v1/templates/${id}`, { name, body: '{{agent.name}} here: it ships today.' });
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ body: '{{agent.name}} here: it ships today.', variables: ['agent.name'] });

    expect((await call(live.api, 'DELETE', `/v1/templates/${id}`, { key: agent() })).status).toBe(403);
    const deleted = await call(live.api, 'DELETE', `/v1/templates/${id}`, { key: manager() });
    expect(deleted.status).toBe(204);
    expect((await call(live.api, 'GET', `/v1/templates/${id}`, { key: agent() })).status).toBe(404);
    expect((await call(live.api, 'DELETE', `/v1/templates/${id}`, { key: manager() })).status).toBe(404);
    expect((await put(`/v1/templates/${id}`, { name, body: 'x' })).status).toBe(404);
    const after = await call(live.api, 'GET', `/v1/templates?brandId=${fixture.brand.id}`, { key: agent() });
    expect(after.body.items.map((item: Json) => item.id)).not.toContain(id);
    expect((await create({ name, body: 'Reused name' })).status).toBe(201);
  });

  it('refuses a body that does not parse, or uses an unknown variable or a section, with 400 on body', async () => {
    for (const body of ['Hi {{customer.name', 'Hi {{order.number}}', '{{#vip}}Dear{{/vip}} customer']) {
      const response = await create({ name: uniqueId('Broken'), body });
      expect({ body, status: response.status }).toEqual({ body, status: 400 });
      expect(issuePaths(response)).toContain('body');
    }
  });

  it('hides another brand’s templates (404) and refuses listing them', async () => {
    const created = await create({ name: uniqueId('Private'), body: 'Hello' });
    const other = await insertBrandFixture(live.harness.db, { platforms: ['x'] });
    const key = other.users.admin.apiKey;
    expect((await call(live.api, 'GET', `/v1/templates/${created.body.id}`, { key })).status).toBe(404);
    expect((await call(live.api, 'GET', `/v1/templates?brandId=${fixture.brand.id}`, { key })).status).toBe(404);
  });
});

describe('replying with a template', () => {
  let secret: string;

  beforeAll(async () => {
    const rotated = await call(live.api, 'POST', `/v1/accounts/${fixture.accounts[0].id}/inbound-secret`, {
      key: fixture.users.admin.apiKey,
      body: {},
    });
    secret = rotated.body.secret as string;
  });

  async function conversation(author: Record<string, string>): Promise<string> {
    const threadId = uniqueId('t');
    const rawBody = JSON.stringify({
      events: [
        {
          threadId,
          messageId: uniqueId('m'),
          kind: 'dm',
          author,
          text: 'Where is my parcel?',
          sentAt: new Date().toISOString(),
        },
      ],
    });
    const delivered = await call(live.api, 'POST', `/v1/inbound/${fixture.accounts[0].id}`, {
      rawBody,
      headers: { 'x-socialops-signature': signInboundBody(rawBody, secret) },
    });
    expect(delivered.status).toBe(202);
    const id = `${fixture.accounts[0].id}:${threadId}`;
    const giveUpAt = Date.now() + 15_000;
    while ((await call(live.api, 'GET', `/v1/threads/${id}`, { key: agent() })).status !== 200) {
      if (Date.now() > giveUpAt) throw new Error(`thread ${id} was never recorded`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    return id;
  }

  it('renders the template with the conversation and the given variables, and records the template', async () => {
    const template = await call(live.api, 'POST', '/v1/templates', {
      key: manager(),
      body: {
        brandId: fixture.brand.id,
        name: uniqueId('Greeting'),
        body: 'Hi {{customer.name}}, {{agent.name}} from {{brand.name}} here.',
      },
    });
    const id = await conversation({ id: 'cust-1', handle: '@jo', name: 'Jo' });
    const replied = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: agent(),
      body: { templateId: template.body.id, variables: { 'agent.name': 'Sam' } },
    });
    expect(replied.status).toBe(200);
    const sent = await live.harness.db('sandbox_replies').where({ external_id: replied.body.result.messageId }).first();
    expect(sent.text).toBe(`Hi Jo, Sam from ${fixture.brand.name} here.`);
    const audit = await live.harness
      .db('audit_log')
      .where({ entity: `thread:${id}`, action: 'replied' })
      .first();
    expect(audit.detail).toMatchObject({ templateId: template.body.id });
  });

  it('refuses a template that cannot be rendered, one of no use here, and text with a template (400)', async () => {
    const template = await call(live.api, 'POST', '/v1/templates', {
      key: manager(),
      body: { brandId: fixture.brand.id, name: uniqueId('Named'), body: 'Dear {{customer.name}}' },
    });
    const id = await conversation({ id: 'cust-2', handle: '@kim' });
    const blank = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: agent(),
      body: { templateId: template.body.id, variables: { 'customer.name': '   ' } },
    });
    expect(blank.status).toBe(400);
    expect(issuePaths(blank)).toEqual(['variables.customer.name']);

    const unknownTemplate = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: agent(),
      body: { templateId: 'tpl-none' },
    });
    expect(unknownTemplate.status).toBe(400);
    expect(issuePaths(unknownTemplate)).toEqual(['templateId']);

    const both = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: agent(),
      body: { text: 'Hello', templateId: template.body.id },
    });
    expect(both.status).toBe(400);
    const unknownVariable = await call(live.api, 'POST', `/v1/threads/${id}/reply`, {
      key: agent(),
      body: { templateId: template.body.id, variables: { 'order.number': '42' } },
    });
    expect(unknownVariable.status).toBe(400);
    expect(await live.harness.db('sandbox_replies').where({ thread_external_id: id.split(':')[1] })).toEqual([]);
  });
});
