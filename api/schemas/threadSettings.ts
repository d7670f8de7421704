/**
 * A brand's conversation settings and reply templates. The schemas check shapes and what Postgres
 * can store; the domain validators (business hours, SLA policy, triage rules, templates) then
 * judge the meaning and name the offending path.
 */
import { MAX_HOLIDAYS, MAX_RANGES_PER_DAY, WEEKDAYS } from '../../domain/businessHours/calendar';
import { TEXT } from '../../domain/limits';
import { ESCALATION_ACTIONS, MAX_ESCALATION_STEPS, PRIORITIES, SLA_CLOCK_KINDS } from '../../domain/sla';
import { TEMPLATE_VARIABLES, validateReplyTemplate } from '../../domain/templates';
import {
  MAX_AUTHOR_LENGTH,
  MAX_PHRASE_LENGTH,
  MAX_PHRASES_PER_RULE,
  MAX_TRIAGE_RULES,
  MAX_VIP_AUTHORS,
  MESSAGE_KINDS,
  TRIAGE_CATEGORIES,
} from '../../domain/triage';
import { Identifier, IsoInstant, LocalDate, Text, TimeZone, z } from './common';

/** An iCalendar feed is a few kilobytes per year of holidays; this leaves room within the body limit. */
export const MAX_ICAL_LENGTH = 200_000;
export const MAX_TEMPLATE_NAME_LENGTH = 100;

const SettingsSource = z.enum(['brand', 'default']).openapi({
  description: '`default` when the brand never configured this part (the defaults are version 1)',
});

const SettingsMeta = {
  brandId: z.string(),
  source: SettingsSource,
  version: z.number().int().openapi({
    description: 'Assigned by the server: 1 for the defaults, the previous version + 1 for each change',
  }),
  createdBy: z.string().nullable(),
  createdAt: IsoInstant.nullable(),
};

// ---------- business hours ----------

const WallTime = z.string().max(5).openapi({ description: 'Local time HH:mm; an end may be 24:00', example: '09:00' });

const OpeningRangeSchema = z.object({ start: WallTime, end: WallTime }).strict().openapi('OpeningRange');

const WeeklyHoursSchema = z
  .object(
    Object.fromEntries(WEEKDAYS.map((day) => [day, z.array(OpeningRangeSchema).max(MAX_RANGES_PER_DAY).optional()])),
  )
  .strict()
  .openapi('WeeklyHours', { description: 'Opening ranges per weekday; a day left out is closed' });

const HolidaySchema = z
  .object({
    date: z.string().max(10).openapi({ format: 'date', example: '2026-12-25' }),
    name: Text({ maxGraphemes: 200 }, { trim: true }).optional(),
    closedRanges: z
      .array(OpeningRangeSchema)
      .max(MAX_RANGES_PER_DAY)
      .optional()
      .openapi({ description: 'Only these parts of the day are closed; the whole day without them' }),
  })
  .strict()
  .openapi('Holiday');

export const BusinessHoursBody = z
  .object({
    timeZone: TimeZone,
    weeklyHours: WeeklyHoursSchema,
    holidays: z.array(HolidaySchema).max(MAX_HOLIDAYS).default([]),
    holidaysIcal: z
      .string()
      .max(MAX_ICAL_LENGTH)
      .optional()
      .openapi({
        description:
          'An iCalendar (text/calendar) feed whose all-day events become holidays, merged with `holidays` ' +
          '(a listed holiday wins on the same date). Timed events are skipped and reported in `icalSkipped`.',
      }),
    icalFrom: LocalDate.optional().openapi({
      description: 'First day taken from the feed; default 1 January this year',
    }),
    icalTo: LocalDate.optional().openapi({
      description: 'Last day taken from the feed; default 31 December next year',
    }),
  })
  .strict()
  .openapi('BusinessHoursInput');

export const BusinessHoursResponse = z
  .object({
    ...SettingsMeta,
    timeZone: z.string(),
    weeklyHours: WeeklyHoursSchema,
    holidays: z.array(HolidaySchema),
    icalSkipped: z
      .array(z.object({ summary: z.string(), reason: z.string() }))
      .optional()
      .openapi({ description: 'Events of the iCalendar feed that did not become holidays, and why' }),
  })
  .openapi('BusinessHours');

// ---------- SLA policy ----------

const Minutes = z.number().int().openapi({ description: 'Whole minutes' });
const TargetsByPriority = z
  .object(Object.fromEntries(PRIORITIES.map((priority) => [priority, Minutes.optional()])))
  .strict();
const TimeBasis = z.enum(['business', 'calendar']);
const Warning = z.union([
  z.object({ fractionOfTarget: z.number() }).strict(),
  z.object({ minutesBeforeDue: Minutes }).strict(),
]);
const EscalationStepSchema = z
  .object({ action: z.enum(ESCALATION_ACTIONS), from: z.enum(['warning', 'breach']), afterMinutes: Minutes })
  .strict()
  .openapi('EscalationStep');

export const SlaPolicyBody = z
  .object({
    targets: z
      .object(Object.fromEntries(SLA_CLOCK_KINDS.map((kind) => [kind, TargetsByPriority.optional()])))
      .strict()
      .optional(),
    timeBasis: z
      .object(Object.fromEntries(SLA_CLOCK_KINDS.map((kind) => [kind, TimeBasis.optional()])))
      .strict()
      .optional(),
    warning: Warning.optional(),
    escalationLadder: z.array(EscalationStepSchema).max(MAX_ESCALATION_STEPS).optional(),
    automatedRepliesStopClocks: z.boolean().optional(),
    reopenWindowMinutes: Minutes.optional(),
    inactivityCloseMinutes: Minutes.optional(),
  })
  .strict()
  .openapi('SlaPolicyInput', {
    description:
      'What differs from the defaults: anything left out takes the default (not the previous version), so ' +
      '`{}` returns the brand to the default targets under a new version.',
  });

export const SlaPolicyResponse = z
  .object({
    ...SettingsMeta,
    targets: z.record(z.string(), z.record(z.string(), z.number())),
    timeBasis: z.record(z.string(), TimeBasis),
    warning: Warning,
    escalationLadder: z.array(EscalationStepSchema),
    automatedRepliesStopClocks: z.boolean(),
    reopenWindowMinutes: z.number().int(),
    inactivityCloseMinutes: z.number().int(),
  })
  .openapi('SlaPolicy');

// ---------- triage rules ----------

const QueueName = z.string().max(40);

const TriageRuleSchema = z
  .object({
    id: z.string().max(64),
    phrases: z.array(Text({ maxGraphemes: MAX_PHRASE_LENGTH })).max(MAX_PHRASES_PER_RULE),
    kinds: z.array(z.enum(MESSAGE_KINDS)).max(MESSAGE_KINDS.length).optional(),
    priority: z.enum(PRIORITIES).optional(),
    category: z.enum(TRIAGE_CATEGORIES).optional(),
    queue: QueueName.optional(),
    closeWithoutReply: z.boolean().optional(),
  })
  .strict()
  .openapi('TriageRule', { description: 'Literal phrases matched as whole words, case-insensitively' });

const TriageFields = {
  rules: z.array(TriageRuleSchema).max(MAX_TRIAGE_RULES),
  vipAuthors: z.array(Text({ maxGraphemes: MAX_AUTHOR_LENGTH }, { trim: true })).max(MAX_VIP_AUTHORS),
  vipPriority: z.enum(PRIORITIES),
  priorityByKind: z
    .object(Object.fromEntries(MESSAGE_KINDS.map((kind) => [kind, z.enum(PRIORITIES).optional()])))
    .strict(),
  negativeSentimentScore: z.number(),
  negativeSentimentPriority: z.enum(PRIORITIES),
  queueByCategory: z
    .object(Object.fromEntries(TRIAGE_CATEGORIES.map((category) => [category, QueueName.optional()])))
    .strict(),
};

export const TriageRulesBody = z
  .object({
    rules: TriageFields.rules.optional(),
    vipAuthors: TriageFields.vipAuthors.optional(),
    vipPriority: TriageFields.vipPriority.optional(),
    priorityByKind: TriageFields.priorityByKind.optional(),
    negativeSentimentScore: TriageFields.negativeSentimentScore.optional(),
    negativeSentimentPriority: TriageFields.negativeSentimentPriority.optional(),
    queueByCategory: TriageFields.queueByCategory.optional(),
  })
  .strict()
  .openapi('TriageRulesInput', {
    description: 'The rules in the order they apply; anything left out takes the default (not the previous version)',
  });

export const TriageRulesResponse = z.object({ ...SettingsMeta, ...TriageFields }).openapi('TriageRules');

// ---------- reply templates ----------

const TemplateName = Text({ maxGraphemes: MAX_TEMPLATE_NAME_LENGTH }, { trim: true }).openapi({
  description: `Unique within the brand among templates not deleted (case-insensitive), up to ${MAX_TEMPLATE_NAME_LENGTH} characters`,
});

const TemplateText = Text(TEXT.replyTemplate)
  .superRefine((template, ctx) => {
    for (const problem of validateReplyTemplate({ template })) {
      ctx.addIssue({ code: 'custom', message: problem.message, params: { reason: problem.code } });
    }
  })
  .openapi({
    description:
      `Mustache text with the variables ${TEMPLATE_VARIABLES.map((name) => `{{${name}}}`).join(', ')}; ` +
      'sections, partials and delimiter changes are refused; nothing is HTML-escaped',
    example: 'Hi {{customer.name}}, {{agent.name}} from {{brand.name}} here.',
  });

export const TemplateIdParams = z.object({ id: Identifier.openapi({ description: 'Template id' }) });
export const ListTemplatesQuery = z.object({ brandId: Identifier });

export const CreateTemplateBody = z
  .object({ brandId: Identifier, name: TemplateName, body: TemplateText })
  .strict()
  .openapi('NewReplyTemplate');
export const UpdateTemplateBody = z
  .object({ name: TemplateName, body: TemplateText })
  .strict()
  .openapi('ReplyTemplateInput');

export const TemplateResponse = z
  .object({
    id: z.string(),
    brandId: z.string(),
    name: z.string(),
    body: z.string(),
    variables: z.array(z.enum(TEMPLATE_VARIABLES)).openapi({ description: 'The variables the body uses' }),
    createdBy: z.string(),
    createdAt: IsoInstant,
    updatedBy: z.string(),
    updatedAt: IsoInstant,
  })
  .openapi('ReplyTemplate');
export const TemplateListResponse = z.object({ items: z.array(TemplateResponse) }).openapi('ReplyTemplateList');

/** Values for a template's variables; what is left out comes from the conversation. */
export const TemplateVariablesSchema = z
  .object(Object.fromEntries(TEMPLATE_VARIABLES.map((name) => [name, Text(TEXT.templateValue).optional()])))
  .strict()
  .openapi('TemplateVariables', {
    description:
      "Values that override what the conversation supplies: customer.name (else the customer's name or handle), " +
      "agent.name (else the replying user's name), brand.name (else the brand's name)",
  });
