/**
 * A brand's scheduled report as a Temporal Schedule (`report:<brandId>`): a calendar in the brand's
 * zone that starts the `scheduledReport` workflow, skipping a run while the last one is still open.
 * The schedule itself is the record; admins see it in Temporal UI.
 */
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
} from '@temporalio/client';
import type { BrandStore } from '../../db/brands';
import {
  SCHEDULED_REPORT_WORKFLOW,
  type ReportFrequency,
  type ReportKind,
  type ScheduledReportInput,
} from '../../domain/reports';
import { coversBrand, type AuthenticatedUser } from './caller';
import { notFound } from './errors';
import type { CallTemporal } from './temporal';

export type Weekday = 'monday' | 'tuesday' | 'wednesday' | 'thursday' | 'friday' | 'saturday' | 'sunday';

export interface ReportScheduleConfig {
  frequency: ReportFrequency;
  dayOfWeek: Weekday;
  dayOfMonth: number;
  /** HH:mm in the brand's zone. */
  time: string;
  reports: ReportKind[];
}

export interface ReportScheduleServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  schedules: Client['schedule'];
  call: CallTemporal;
  taskQueue: string;
}

export const reportScheduleId = (brandId: string): string => `report:${brandId}`;

export function reportScheduleOptions(input: {
  brandId: string;
  timeZone: string;
  config: ReportScheduleConfig;
  taskQueue: string;
}): ScheduleOptions {
  const { config } = input;
  const [hour, minute] = config.time.split(':').map(Number);
  const day =
    config.frequency === 'weekly'
      ? { dayOfWeek: config.dayOfWeek.toUpperCase() as Uppercase<Weekday> }
      : { dayOfMonth: config.dayOfMonth };
  const workflowInput: ScheduledReportInput = {
    brandId: input.brandId,
    frequency: config.frequency,
    reports: config.reports,
  };
  return {
    scheduleId: reportScheduleId(input.brandId),
    spec: { calendars: [{ ...day, hour, minute }], timezone: input.timeZone },
    action: {
      type: 'startWorkflow',
      workflowType: SCHEDULED_REPORT_WORKFLOW,
      args: [workflowInput],
      taskQueue: input.taskQueue,
      workflowId: reportScheduleId(input.brandId),
    },
    policies: { overlap: ScheduleOverlapPolicy.SKIP },
  };
}

/** The configuration back from a schedule's description: reports from the action, day and time from the calendar. */
function configOf(description: ScheduleDescription): ReportScheduleConfig | undefined {
  const action = description.action;
  const calendar = description.spec.calendars?.[0];
  if (action.type !== 'startWorkflow' || !calendar) return undefined;
  const input = action.args?.[0] as ScheduledReportInput | undefined;
  if (!input) return undefined;
  const first = <T>(ranges: readonly { start: T }[] | undefined, fallback: T): T => ranges?.[0]?.start ?? fallback;
  const pad = (value: number) => String(value).padStart(2, '0');
  return {
    frequency: input.frequency,
    dayOfWeek: first(calendar.dayOfWeek, 'MONDAY').toLowerCase() as Weekday,
    dayOfMonth: first(calendar.dayOfMonth, 1),
    time: `${pad(first(calendar.hour, 0))}:${pad(first(calendar.minute, 0))}`,
    reports: input.reports,
  };
}

export function createReportScheduleService({ brands, schedules, call, taskQueue }: ReportScheduleServiceDeps) {
  async function brandFor(user: AuthenticatedUser, brandId: string) {
    const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand;
  }

  async function describe(brandId: string, timeZone: string) {
    try {
      const description = await call(() => schedules.getHandle(reportScheduleId(brandId)).describe());
      const config = configOf(description);
      if (!config) throw notFound('The brand has no report schedule');
      return {
        brandId,
        scheduleId: reportScheduleId(brandId),
        timeZone,
        ...config,
        paused: description.state.paused,
        nextRuns: description.info.nextActionTimes.slice(0, 5).map((at) => at.toISOString()),
      };
    } catch (error) {
      if (error instanceof ScheduleNotFoundError) throw notFound('The brand has no report schedule');
      throw error;
    }
  }

  return {
    async get(user: AuthenticatedUser, brandId: string) {
      const brand = await brandFor(user, brandId);
      return describe(brand.id, brand.timeZone);
    },

    /** Creates the brand's schedule or replaces its calendar and reports. */
    async put(user: AuthenticatedUser, brandId: string, config: ReportScheduleConfig) {
      const brand = await brandFor(user, brandId);
      const options = reportScheduleOptions({ brandId: brand.id, timeZone: brand.timeZone, config, taskQueue });
      const handle = schedules.getHandle(options.scheduleId);
      const exists = await call(() => handle.describe()).then(
        () => true,
        (error: unknown) => {
          if (error instanceof ScheduleNotFoundError) return false;
          throw error;
        },
      );
      const update = () =>
        call(() =>
          handle.update((previous) => ({
            ...previous,
            spec: options.spec,
            action: options.action,
            policies: options.policies,
          })),
        );
      if (exists) await update();
      else {
        // Another request may have created it in between: then this one's configuration wins.
        await call(() => schedules.create(options)).catch(async (error: unknown) => {
          if (!(error instanceof ScheduleAlreadyRunning)) throw error;
          await update();
        });
      }
      return describe(brand.id, brand.timeZone);
    },

    async remove(user: AuthenticatedUser, brandId: string): Promise<void> {
      const brand = await brandFor(user, brandId);
      try {
        await call(() => schedules.getHandle(reportScheduleId(brand.id)).delete());
      } catch (error) {
        if (error instanceof ScheduleNotFoundError) throw notFound('The brand has no report schedule');
        throw error;
      }
    },
  };
}

export type ReportScheduleService = ReturnType<typeof createReportScheduleService>;
