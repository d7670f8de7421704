/** KPI reports, best posting times, stored reports and the posting cadence, for the brands a caller works for. */
import type { AccountStore } from '../../db/accounts';
import type { BrandStore } from '../../db/brands';
import type { ReportReader, ReportScope } from '../../db/reportReader';
import type { ReportStore } from '../../db/reports';
import type { ContentGroup, PerformanceGroup, PublishingGroup, ResponseGroup } from '../../domain/reports';
import { brandScope, coversBrand, type AuthenticatedUser } from './caller';
import { invalidInput, notFound } from './errors';

export interface ReportServiceDeps {
  brands: Pick<BrandStore, 'findById'>;
  accounts: Pick<AccountStore, 'findById'>;
  reader: ReportReader;
  store: Pick<ReportStore, 'findStoredReport' | 'listStoredReports' | 'plannedPostsPerWeek' | 'setPlannedPostsPerWeek'>;
}

interface RangeQuery {
  from: string;
  to: string;
  brand?: string;
}

export function createReportService({ brands, accounts, reader, store }: ReportServiceDeps) {
  async function brandFor(user: AuthenticatedUser, brandId: string | undefined) {
    const id = brandId ?? user.brandId;
    if (!id) throw invalidInput('brand is required: you work for every brand, so say which one', { field: 'brand' });
    const brand = coversBrand(user, id) ? await brands.findById(id) : undefined;
    if (!brand) throw notFound('No such brand');
    return brand;
  }

  async function scopeOf(user: AuthenticatedUser, query: RangeQuery): Promise<ReportScope> {
    const brand = await brandFor(user, query.brand);
    return { brandId: brand.id, timeZone: brand.timeZone, from: query.from, to: query.to };
  }

  return {
    responses: async (user: AuthenticatedUser, query: RangeQuery & { groupBy: ResponseGroup }) =>
      reader.responses(await scopeOf(user, query), query.groupBy),

    content: async (user: AuthenticatedUser, query: RangeQuery & { groupBy: ContentGroup }) =>
      reader.content(await scopeOf(user, query), query.groupBy),

    publishing: async (
      user: AuthenticatedUser,
      query: RangeQuery & { groupBy: PublishingGroup; toleranceMinutes: number },
    ) => reader.publishing(await scopeOf(user, query), query.groupBy, query.toleranceMinutes),

    performance: async (user: AuthenticatedUser, query: RangeQuery & { groupBy: PerformanceGroup }) =>
      reader.performance(await scopeOf(user, query), query.groupBy),

    async bestTimes(
      user: AuthenticatedUser,
      query: { account: string; from: string; to: string; minimumVariants: number },
    ) {
      const account = await accounts.findById(query.account);
      if (!account || !coversBrand(user, account.brandId)) throw notFound('No such account');
      const brand = await brandFor(user, account.brandId);
      return reader.bestTimes({
        brandId: brand.id,
        timeZone: brand.timeZone,
        from: query.from,
        to: query.to,
        accountId: account.id,
        minimumVariants: query.minimumVariants,
      });
    },

    async listStored(user: AuthenticatedUser, query: { brand?: string; limit: number; offset: number }) {
      const brandIds = query.brand ? [(await brandFor(user, query.brand)).id] : brandScope(user);
      return { items: await store.listStoredReports({ brandIds, limit: query.limit, offset: query.offset }) };
    },

    async getStored(user: AuthenticatedUser, id: string) {
      const report = await store.findStoredReport(id);
      if (!report || !coversBrand(user, report.brandId)) throw notFound('No such stored report');
      return report;
    },

    async cadence(user: AuthenticatedUser, brandId: string) {
      const brand = await brandFor(user, brandId);
      return { brandId: brand.id, postsPerWeek: await store.plannedPostsPerWeek(brand.id) };
    },

    async setCadence(user: AuthenticatedUser, brandId: string, body: { postsPerWeek: number | null }) {
      const brand = await brandFor(user, brandId);
      await store.setPlannedPostsPerWeek({ brandId: brand.id, postsPerWeek: body.postsPerWeek });
      return { brandId: brand.id, postsPerWeek: body.postsPerWeek };
    },
  };
}

export type ReportService = ReturnType<typeof createReportService>;
