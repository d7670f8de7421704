/** KPI reports, best posting times, stored reports and the brand's report schedule. */
import { daysBetween } from '../../domain/publishTime';
import {
  CONTENT_GROUPS,
  PERFORMANCE_GROUPS,
  PUBLISHING_GROUPS,
  RESPONSE_GROUPS,
  DEFAULT_MINIMUM_VARIANTS,
  DEFAULT_TOLERANCE_MINUTES,
  REPORT_FREQUENCIES,
  REPORT_KINDS,
} from '../../domain/reports';
import { SLA_CLOCK_KINDS } from '../../domain/sla';
import { Identifier, IsoInstant, LocalDate, z } from './common';

/** The longest range one report covers: a year, leap day included. */
export const MAX_REPORT_DAYS = 366;

const range = {
  from: LocalDate.openapi({ description: "First day, in the brand's time zone" }),
  to: LocalDate.openapi({
    description: `Last day (inclusive), in the brand's time zone; from to to spans at most ${MAX_REPORT_DAYS} days`,
  }),
  brand: Identifier.optional().openapi({ description: "The brand; default: the caller's brand" }),
};

function groupedBy<G extends readonly [string, ...string[]]>(groups: G) {
  return z.object({
    ...range,
    groupBy: z
      .enum(groups)
      .default(groups[0])
      .openapi({ description: `One of ${groups.join(', ')}` }),
  });
}

/** A range that runs forward and spans at most MAX_REPORT_DAYS. */
function withinRange<S extends z.ZodType<{ from: string; to: string }>>(schema: S) {
  return schema
    .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['to'] })
    .refine((query) => daysBetween(query.from, query.to) < MAX_REPORT_DAYS, {
      message: `a report covers at most ${MAX_REPORT_DAYS} days`,
      path: ['to'],
    });
}

export const ResponsesReportQuery = withinRange(groupedBy(RESPONSE_GROUPS));
export const ContentReportQuery = withinRange(groupedBy(CONTENT_GROUPS));
export const PublishingReportQuery = withinRange(
  groupedBy(PUBLISHING_GROUPS).extend({
    toleranceMinutes: z.coerce
      .number()
      .int()
      .min(0)
      .max(24 * 60)
      .default(DEFAULT_TOLERANCE_MINUTES)
      .openapi({ description: 'How far from its planned time a publication still counts as on time (minutes)' }),
  }),
);
export const PerformanceReportQuery = withinRange(groupedBy(PERFORMANCE_GROUPS));

export const BestTimesQuery = withinRange(
  z.object({
    account: Identifier.openapi({ description: 'The account whose own posts are ranked' }),
    from: range.from,
    to: range.to,
    minimumVariants: z.coerce
      .number()
      .int()
      .min(1)
      .max(1000)
      .default(DEFAULT_MINIMUM_VARIANTS)
      .openapi({ description: 'Slots backed by fewer published variants are listed after the others, as thin' }),
  }),
);

const Summary = z
  .object({
    count: z.number().int(),
    median: z.number().nullable(),
    p90: z.number().nullable(),
    mean: z.number().nullable(),
  })
  .openapi('Summary');

const DurationPair = z.object({ calendarMinutes: Summary, businessMinutes: Summary });
const Attainment = z.object({ met: z.number().int(), breached: z.number().int(), attainment: z.number().nullable() });

const envelope = <R extends z.ZodType>(rows: R, groups: readonly string[]) => ({
  brandId: z.string(),
  timeZone: z.string(),
  from: LocalDate,
  to: LocalDate,
  groupBy: z.enum(groups as [string, ...string[]]),
  rows: z.array(rows),
});

export const ResponsesReport = z
  .object(
    envelope(
      z.object({
        group: z.string(),
        conversations: z.number().int(),
        responded: z.number().int(),
        responseRate: z.number().nullable(),
        firstResponse: DurationPair,
        allReplies: DurationPair,
        sla: z.object(Object.fromEntries(SLA_CLOCK_KINDS.map((kind) => [kind, Attainment]))),
      }),
      RESPONSE_GROUPS,
    ),
  )
  .openapi('ResponsesReport');

export const ContentReport = z
  .object(
    envelope(
      z.object({
        group: z.string(),
        stages: z.array(
          z.object({
            stage: z.string(),
            count: z.number().int(),
            medianMs: z.number().nullable(),
            meanMs: z.number().nullable(),
          }),
        ),
        bottleneck: z.object({ stage: z.string(), medianMs: z.number() }).nullable(),
        ideaToPublishedMs: Summary,
        approvalRounds: z.object({
          posts: z.number().int(),
          total: z.number().int(),
          mean: z.number().nullable(),
          max: z.number().nullable(),
        }),
        forcedDecisions: z.object({ total: z.number().int(), byStage: z.record(z.string(), z.number().int()) }),
      }),
      CONTENT_GROUPS,
    ),
  )
  .openapi('ContentReport');

export const PublishingReport = z
  .object({
    ...envelope(
      z.object({
        group: z.string(),
        accounts: z.number().int(),
        planned: z.number().int(),
        published: z.number().int(),
        failed: z.number().int(),
        onTime: z.number().int(),
        onTimeShare: z.number().nullable(),
        longestGap: z.object({ accountId: z.string(), hours: z.number(), from: IsoInstant, to: IsoInstant }).nullable(),
        postsPerAccountPerWeek: z.number(),
        plannedPostsPerWeek: z.number().nullable(),
        cadenceShare: z.number().nullable(),
      }),
      PUBLISHING_GROUPS,
    ),
    toleranceMinutes: z.number().int(),
  })
  .openapi('PublishingReport');

const counts = {
  impressions: z.number().int(),
  reach: z.number().int(),
  likes: z.number().int(),
  comments: z.number().int(),
  shares: z.number().int(),
  saves: z.number().int(),
  clicks: z.number().int(),
};

export const PerformanceReport = z
  .object(
    envelope(
      z.object({
        group: z.string(),
        variants: z.number().int(),
        ...counts,
        engagement: z.number().int(),
        engagementRate: z.number().nullable(),
        variantsWithReach: z.number().int(),
      }),
      PERFORMANCE_GROUPS,
    ),
  )
  .openapi('PerformanceReport');

const TimeSlot = z.object({
  slot: z.union([z.number().int(), z.string()]),
  variants: z.number().int(),
  meanEngagement: z.number(),
  engagementRate: z.number().nullable(),
});

export const BestTimesResponse = z
  .object({
    brandId: z.string(),
    accountId: z.string(),
    timeZone: z.string(),
    from: LocalDate,
    to: LocalDate,
    variants: z.number().int(),
    minimumVariants: z.number().int(),
    hours: z.array(TimeSlot),
    weekdays: z.array(TimeSlot),
  })
  .openapi('BestTimes');

export const StoredReportsQuery = z.object({
  brand: Identifier.optional().openapi({
    description: "Default: the caller's brand (every brand for staff of all brands)",
  }),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});

const StoredReportSummary = z.object({
  id: z.string(),
  brandId: z.string(),
  frequency: z.enum(REPORT_FREQUENCIES),
  from: LocalDate,
  to: LocalDate,
  timeZone: z.string(),
  createdAt: IsoInstant,
});

export const StoredReportList = z.object({ items: z.array(StoredReportSummary) }).openapi('StoredReportList');
export const StoredReportResponse = StoredReportSummary.extend({
  reports: z.object({
    responses: ResponsesReport.optional(),
    content: ContentReport.optional(),
    publishing: PublishingReport.optional(),
    performance: PerformanceReport.optional(),
  }),
}).openapi('StoredReport');

export const StoredReportParams = z.object({ id: Identifier });

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;

export const ReportScheduleBody = z
  .object({
    frequency: z.enum(REPORT_FREQUENCIES),
    dayOfWeek: z.enum(WEEKDAYS).default('monday').openapi({ description: 'For weekly reports' }),
    dayOfMonth: z
      .number()
      .int()
      .min(1)
      .max(28)
      .default(1)
      .openapi({ description: 'For monthly reports (1 to 28, so that every month has it)' }),
    time: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected a time HH:mm')
      .default('09:00')
      .openapi({ description: "Local time in the brand's zone" }),
    reports: z
      .array(z.enum(REPORT_KINDS))
      .min(1)
      .max(REPORT_KINDS.length)
      .default([...REPORT_KINDS])
      .refine((kinds) => new Set(kinds).size === kinds.length, { message: 'each report at most once' }),
  })
  .openapi('ReportScheduleBody');

export const ReportScheduleResponse = z
  .object({
    brandId: z.string(),
    scheduleId: z.string(),
    timeZone: z.string(),
    frequency: z.enum(REPORT_FREQUENCIES),
    dayOfWeek: z.enum(WEEKDAYS),
    dayOfMonth: z.number().int(),
    time: z.string(),
    reports: z.array(z.enum(REPORT_KINDS)),
    paused: z.boolean(),
    nextRuns: z.array(IsoInstant),
  })
  .openapi('ReportSchedule');

export const PostingCadenceBody = z
  .object({
    postsPerWeek: z
      .number()
      .int()
      .min(0)
      .max(1000)
      .nullable()
      .openapi({ description: 'Posts each account is meant to publish per week; null: no plan' }),
  })
  .openapi('PostingCadenceBody');

export const PostingCadenceResponse = z
  .object({ brandId: z.string(), postsPerWeek: z.number().int().nullable() })
  .openapi('PostingCadence');
