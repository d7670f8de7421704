/** The publishing calendar: scheduled and published posts by day, days as the brand counts them. */
import { mountOperation, type OperationTarget } from '../operations';
import { CalendarQuery, CalendarResponse, MAX_CALENDAR_DAYS } from '../schemas';
import type { ApiServices } from '../services';

export function mountCalendarRoutes(target: OperationTarget, { calendar }: Pick<ApiServices, 'calendar'>): void {
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
    handle: ({ query, user }) => calendar.calendar(user, query),
  });
}
