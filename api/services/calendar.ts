/** The publishing calendar: scheduled and published posts by day, days as the brand counts them. */
import type { BrandStore } from '../../db/brands';
import type { PostStore } from '../../db/posts';
import { dayRangeInZone, daysFrom, localDay, toLocalDateTime } from '../../domain/publishTime';
import { coversBrand, type AuthenticatedUser } from './caller';
import { invalidInput, notFound } from './errors';

export interface CalendarServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  posts: Pick<PostStore, 'calendar'>;
}

export function createCalendarService({ brands, posts }: CalendarServiceDeps) {
  return {
    async calendar(user: AuthenticatedUser, query: { from: string; to: string; brandId?: string }) {
      const brandId = query.brandId ?? user.brandId;
      if (!brandId) throw invalidInput('brandId is required: you work for every brand, so say which calendar');
      const brand = coversBrand(user, brandId) ? await brands.findById(brandId) : undefined;
      if (!brand) throw notFound('No such brand');

      const days = daysFrom({ from: query.from, to: query.to });
      const range = dayRangeInZone({ from: query.from, to: query.to, timeZone: brand.timeZone });
      const entries = await posts.calendar({ from: range.start, to: range.end, brandIds: [brand.id] });

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
  };
}

export type CalendarService = ReturnType<typeof createCalendarService>;
