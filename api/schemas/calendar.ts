/** The publishing calendar, by day in the brand's zone. */
import { daysBetween } from '../../domain/publishTime';
import { Identifier, IsoInstant, LocalDate, PlatformSchema, z } from './common';
import { PostSummarySchema } from './postState';

/** The longest calendar one request may ask for: a quarter, the longest a planner looks ahead at once. */
export const MAX_CALENDAR_DAYS = 92;

export const CalendarQuery = z
  .object({
    from: LocalDate.openapi({ description: "First day, in the brand's time zone (years 1970 to 9999)" }),
    to: LocalDate.openapi({
      description: `Last day (inclusive), in the brand's time zone; from to to spans at most ${MAX_CALENDAR_DAYS} days`,
    }),
    brandId: Identifier.optional().openapi({ description: "Default: the caller's brand" }),
  })
  .refine((query) => query.from <= query.to, { message: 'from must not be after to', path: ['to'] })
  .refine((query) => daysBetween(query.from, query.to) < MAX_CALENDAR_DAYS, {
    message: `a calendar covers at most ${MAX_CALENDAR_DAYS} days`,
    path: ['to'],
  });

export const CalendarResponse = z
  .object({
    brandId: z.string(),
    timeZone: z.string(),
    from: LocalDate,
    to: LocalDate,
    days: z.array(
      z.object({
        day: LocalDate,
        posts: z.array(
          PostSummarySchema.extend({
            localTime: z.string().openapi({ description: "Publish time in the brand's zone, HH:mm" }),
            variants: z.array(
              z.object({
                accountId: z.string(),
                platform: PlatformSchema,
                status: z.string(),
                publishedAt: IsoInstant.optional(),
                url: z.string().optional(),
              }),
            ),
          }),
        ),
      }),
    ),
  })
  .openapi('Calendar');
