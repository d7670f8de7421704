/**
 * A brand's conversation settings: business hours, SLA policy and triage rules. Each change is a
 * new version (the previous + 1) and earlier ones stay, since clocks and triage decisions record
 * the version they used. A brand that configured nothing reads the defaults, version 1.
 */
import type { BrandStore } from '../../db/brands';
import {
  SETTINGS_FIELD,
  type SettingsPart,
  type SettingsValue,
  type SettingsVersion,
  type ThreadSettingsStore,
} from '../../db/threadSettings';
import { validateBusinessCalendar, type BusinessCalendar, type Holiday } from '../../domain/businessHours';
import { holidaysFromICalendar } from '../../domain/businessHours/icalHolidays';
import { slaPolicyWithDefaults, validateSlaPolicy, type SlaPolicyOverrides } from '../../domain/sla';
import { storableText } from '../../domain/text';
import { DEFAULT_THREAD_SETTINGS } from '../../domain/threadSettings';
import { DEFAULT_TRIAGE_RULES, validateTriageRules, type TriageRule, type TriageRules } from '../../domain/triage';
import { unstorableText } from '../../domain/storable';
import { coversBrand, type AuthenticatedUser } from './caller';
import { invalidField, notFound } from './errors';
import { invalidProblems } from './problemPaths';

export interface ThreadSettingsServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  settings: Pick<ThreadSettingsStore, 'current' | 'append'>;
}

export interface BusinessHoursInput {
  timeZone: string;
  weeklyHours: BusinessCalendar['weeklyHours'];
  holidays: Holiday[];
  holidaysIcal?: string;
  icalFrom?: string;
  icalTo?: string;
}

export interface TriageRulesInput {
  rules?: TriageRule[];
  vipAuthors?: string[];
  vipPriority?: TriageRules['vipPriority'];
  priorityByKind?: Partial<TriageRules['priorityByKind']>;
  negativeSentimentScore?: number;
  negativeSentimentPriority?: TriageRules['negativeSentimentPriority'];
  queueByCategory?: Partial<TriageRules['queueByCategory']>;
}

/** Validators judge a whole value, version included; the real version is assigned on writing. */
const VERSION_TO_COME = 2;
const MAX_HOLIDAY_NAME = 200;

type Input = { user: AuthenticatedUser; brandId: string };

function answer<P extends SettingsPart>(brandId: string, part: P, stored: SettingsVersion<P> | undefined) {
  const settings = stored?.settings ?? (DEFAULT_THREAD_SETTINGS[SETTINGS_FIELD[part]] as SettingsValue[P]);
  return {
    brandId,
    source: stored ? ('brand' as const) : ('default' as const),
    createdBy: stored?.createdBy ?? null,
    createdAt: stored?.createdAt ?? null,
    ...settings,
  };
}

/** Holidays from the feed, with the listed ones winning on the same date. */
function mergeIcalHolidays(input: BusinessHoursInput): {
  holidays: Holiday[];
  skipped: { summary: string; reason: string }[];
} {
  if (input.holidaysIcal === undefined) return { holidays: input.holidays, skipped: [] };
  const year = new Date().getUTCFullYear();
  let imported: ReturnType<typeof holidaysFromICalendar>;
  try {
    imported = holidaysFromICalendar({
      ics: input.holidaysIcal,
      fromDate: input.icalFrom ?? `${year}-01-01`,
      toDate: input.icalTo ?? `${year + 1}-12-31`,
    });
  } catch (error) {
    // The feed is the only thing that varies here, so whatever the parser trips over is the feed's fault.
    throw invalidField(['holidaysIcal'], `cannot import the iCalendar feed: ${(error as Error).message}`);
  }
  const byDate = new Map<string, Holiday>();
  const shortName = (name: string) => [...storableText(name).trim()].slice(0, MAX_HOLIDAY_NAME).join('');
  for (const holiday of imported.holidays) {
    const name = holiday.name === undefined ? '' : shortName(holiday.name);
    byDate.set(holiday.date, name ? { date: holiday.date, name } : { date: holiday.date });
  }
  for (const holiday of input.holidays) byDate.set(holiday.date, holiday);
  const holidays = [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : a.date > b.date ? 1 : 0));
  const skipped = imported.skipped.map((event) => ({ summary: shortName(event.summary), reason: event.reason }));
  return { holidays, skipped };
}

function requireStorable(value: unknown): void {
  const problem = unstorableText(value);
  if (problem) throw invalidProblems([{ path: problem.path, message: problem.message }]);
}

export function createThreadSettingsService({ brands, settings }: ThreadSettingsServiceDeps) {
  async function visibleBrandId(user: AuthenticatedUser, brandId: string): Promise<string> {
    const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand.id;
  }

  async function read<P extends SettingsPart>({ user, brandId }: Input, part: P) {
    const id = await visibleBrandId(user, brandId);
    return answer(id, part, await settings.current({ brandId: id, part }));
  }

  async function append<P extends SettingsPart>(
    { user, brandId }: Input,
    part: P,
    value: Omit<SettingsValue[P], 'version'>,
  ) {
    requireStorable(value);
    const stored = await settings.append({ brandId, part, settings: value, createdBy: user.id });
    if (!stored) throw notFound('No such brand');
    return answer(brandId, part, stored);
  }

  return {
    businessHours: (input: Input) => read(input, 'business_hours'),
    slaPolicy: (input: Input) => read(input, 'sla_policy'),
    triageRules: (input: Input) => read(input, 'triage_rules'),

    async setBusinessHours(input: Input & { hours: BusinessHoursInput }) {
      const brandId = await visibleBrandId(input.user, input.brandId);
      const { holidays, skipped } = mergeIcalHolidays(input.hours);
      const calendar: BusinessCalendar = {
        version: VERSION_TO_COME,
        timeZone: input.hours.timeZone,
        weeklyHours: input.hours.weeklyHours,
        holidays,
      };
      const problems = validateBusinessCalendar({ calendar });
      if (problems.length > 0) throw invalidProblems(problems);
      const { version: _version, ...value } = calendar;
      const saved = await append({ ...input, brandId }, 'business_hours', value);
      return input.hours.holidaysIcal !== undefined ? { ...saved, icalSkipped: skipped } : saved;
    },

    async setSlaPolicy(input: Input & { overrides: Omit<SlaPolicyOverrides, 'version'> }) {
      const brandId = await visibleBrandId(input.user, input.brandId);
      const policy = slaPolicyWithDefaults({ overrides: { ...input.overrides, version: VERSION_TO_COME } });
      const problems = validateSlaPolicy({ policy });
      if (problems.length > 0) throw invalidProblems(problems);
      const { version: _version, ...value } = policy;
      return append({ ...input, brandId }, 'sla_policy', value);
    },

    async setTriageRules(input: Input & { rules: TriageRulesInput }) {
      const brandId = await visibleBrandId(input.user, input.brandId);
      const given = input.rules;
      const rules: TriageRules = {
        ...DEFAULT_TRIAGE_RULES,
        ...Object.fromEntries(Object.entries(given).filter(([, value]) => value !== undefined)),
        priorityByKind: { ...DEFAULT_TRIAGE_RULES.priorityByKind, ...given.priorityByKind },
        queueByCategory: { ...DEFAULT_TRIAGE_RULES.queueByCategory, ...given.queueByCategory },
        version: VERSION_TO_COME,
      };
      const problems = validateTriageRules({ rules });
      if (problems.length > 0) throw invalidProblems(problems);
      const { version: _version, ...value } = rules;
      return append({ ...input, brandId }, 'triage_rules', value);
    },
  };
}

export type ThreadSettingsService = ReturnType<typeof createThreadSettingsService>;
