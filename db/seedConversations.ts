/**
 * What the demo brand's conversations run on: business hours in the brand's zone with a few
 * holidays, an SLA policy, and reply templates. Written once: a later start finds them and adds
 * no new version, so nothing configured through the API afterwards is overwritten.
 */
import type { Knex } from 'knex';
import { slaPolicyWithDefaults } from '../domain/sla';
import { createReplyTemplateStore } from './replyTemplates';
import { createThreadSettingsStore } from './threadSettings';

const WORKDAY = [{ start: '09:00', end: '18:00' }];

const DEMO_TEMPLATES = [
  {
    name: 'Order on its way',
    body: 'Hi {{customer.name}}, thanks for your patience! Your order has left our roastery and is on its way. {{agent.name}} from {{brand.name}}',
  },
  {
    name: 'Looking into it',
    body: "Hi {{customer.name}}, sorry about that. I'm looking into it and will get back to you today. {{agent.name}}",
  },
];

export async function seedDemoConversations(
  trx: Knex.Transaction,
  { brandId, timeZone, by }: { brandId: string; timeZone: string; by: string },
): Promise<void> {
  const settings = createThreadSettingsStore(trx);
  const configured = await settings.currentOfEveryPart({ brandId }, trx);
  if (!configured.business_hours) {
    await settings.append(
      {
        brandId,
        part: 'business_hours',
        createdBy: by,
        settings: {
          timeZone,
          weeklyHours: { monday: WORKDAY, tuesday: WORKDAY, wednesday: WORKDAY, thursday: WORKDAY, friday: WORKDAY },
          holidays: [
            { date: '2026-12-24', name: 'Christmas Eve', closedRanges: [{ start: '12:00', end: '24:00' }] },
            { date: '2026-12-25', name: 'Christmas Day' },
            { date: '2026-12-26', name: 'Boxing Day' },
            { date: '2027-01-01', name: "New Year's Day" },
          ],
        },
      },
      trx,
    );
  }
  if (!configured.sla_policy) {
    // Coffee customers on DMs expect an answer within the working hour.
    const { version: _version, ...policy } = slaPolicyWithDefaults({
      overrides: { targets: { first_response: { urgent: 15, high: 45, normal: 60, low: 480 } } },
    });
    await settings.append({ brandId, part: 'sla_policy', createdBy: by, settings: policy }, trx);
  }
  const templates = createReplyTemplateStore(trx);
  const existing = new Set((await templates.listByBrand({ brandId }, trx)).map((template) => template.name));
  for (const template of DEMO_TEMPLATES) {
    if (!existing.has(template.name)) await templates.create({ brandId, ...template, createdBy: by }, trx);
  }
}
