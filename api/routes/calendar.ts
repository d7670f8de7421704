/** The publishing calendar: scheduled and published posts by day, days as the brand counts them. */
import { coversBrand } from '../auth';
import { badRequest, notFound } from '../errors';
import { mountOperation, type OperationTarget } from '../operations';
import { CalendarQuery, CalendarResponse, MAX_CALENDAR_DAYS } from '../schemas';
import type { ApiServices } from '../services';
import { dayRangeInZone, daysFrom, localDay, toLocalDateTime } from '../../domain/publishTime';

export function mountCalendarRoutes(target: OperationTarget, services: ApiServices): void {
  mountOperation(target, {
    method: 'get',
    path: '/v1/calendar',
    operationId: 'getCalendar',
    tag: 'calendar',
    summary: 'Scheduled and published posts by day',
    description:
      "Days run midnight to midnight in the brand's time zone; every day from `from` to `to` is listed, " +
      `empty or not, at most ${MAX_CALENDAR_DAYS} days (years 1970 to 9999). \`brandId\` defaults to the ` +
      "caller's brand.",
    access: 'readPosts',
    query: CalendarQuery,
    errors: [404],
    success: { status: 200, description: 'The calendar', schema: CalendarResponse },
    handle: async ({ query, user }) => {
      const brandId = query.brandId ?? user.brandId;
      if (!brandId) throw badRequest('brandId is required: you work for every brand, so say which calendar');
      const brand = coversBrand(user, brandId) ? await services.brands.findById(brandId) : undefined;
      if (!brand) throw notFound('No such brand');

      const days = daysFrom({ from: query.from, to: query.to });
      const range = dayRangeInZone({ from: query.from, to: query.to, timeZone: brand.timeZone });
      const entries = await services.posts.calendar({ from: range.start, to: range.end, brandIds: [brand.id] });

      const byDay = new Map(days.map((day) => [day, [] as unknown[]]));
      for (const { lastSequence: _lastSequence, brandTimeZone: _zone, ...entry } of entries) {
        const day = localDay({ instant: entry.publishAt, timeZone: brand.timeZone });
        byDay.get(day)?.push({
          ...entry,
          localTime: toLocalDateTime({ instant: entry.publishAt, timeZone: brand.timeZone }).slice(11),
        });
      }
      return {
        brandId: brand.id,
        timeZone: brand.timeZone,
        from: query.from,
        to: query.to,
        days: days.map((day) => ({ day, posts: byDay.get(day) ?? [] })),
      };
    },
  });
}
