import { ShiftError, campaignReport, campaignReportRows, parseShift, shiftPublishTime } from '../../domain/campaigns';

describe('shifting a publish time', () => {
  it('keeps a local 09:00 at 09:00 when a day crosses the spring clock change', () => {
    // 09:00 in Berlin on 28 March 2026 is 08:00Z; the clocks go forward that night.
    expect(shiftPublishTime({ publishAt: '2026-03-28T08:00:00.000Z', timeZone: 'Europe/Berlin', offset: 'P1D' })).toBe(
      '2026-03-29T07:00:00.000Z',
    );
  });

  it('counts hours as elapsed time across the autumn clock change', () => {
    expect(
      shiftPublishTime({ publishAt: '2026-10-24T22:00:00.000Z', timeZone: 'Europe/Berlin', offset: 'PT24H' }),
    ).toBe('2026-10-25T22:00:00.000Z');
    expect(shiftPublishTime({ publishAt: '2026-10-24T22:00:00.000Z', timeZone: 'Europe/Berlin', offset: 'P1D' })).toBe(
      '2026-10-25T23:00:00.000Z',
    );
  });

  it('moves earlier with a leading minus', () => {
    expect(
      shiftPublishTime({ publishAt: '2026-06-10T07:00:00.000Z', timeZone: 'Europe/Berlin', offset: '-PT2H' }),
    ).toBe('2026-06-10T05:00:00.000Z');
  });

  it.each(['tomorrow', 'P', 'P0D', 'P400D', '1D', '--P1D'])('refuses %s as a shift', (offset) => {
    expect(() => parseShift(offset)).toThrow(ShiftError);
  });
});

describe('the campaign report', () => {
  const campaign = {
    id: 'c1',
    brandId: 'b1',
    name: 'Winter',
    status: 'ended' as const,
    startsAt: '2026-12-01T00:00:00.000Z',
    endsAt: '2026-12-31T00:00:00.000Z',
  };
  const row = (platform: string, accountId: string, reach: number) => ({
    platform,
    accountId,
    posts: 2,
    impressions: 1000,
    reach,
    likes: 30,
    comments: 10,
    shares: 5,
    saves: 5,
    clicks: 7,
  });

  it('counts posts by outcome and gives the engagement rate only where reach is known', () => {
    const report = campaignReport({
      campaign,
      perStage: { completed: 3, tracking: 1, failed: 1, lost: 1, cancelled: 2, rejected: 1, scheduled: 4 },
      metrics: [row('x', 'acc-x', 500), row('linkedin', 'acc-li', 0)],
      reportedAt: '2026-12-31T00:00:00.000Z',
    });
    expect(report.posts).toEqual({ total: 13, published: 4, failed: 2, cancelled: 3, open: 4 });
    expect(report.metrics.map((m) => m.engagementRate)).toEqual([0.1, null]);
    expect(report.totals).toMatchObject({ posts: 4, reach: 500, likes: 60, engagementRate: 0.2 });
  });

  it('lays the report out as rows for CSV', () => {
    const rows = campaignReportRows(
      campaignReport({ campaign, perStage: { completed: 1 }, metrics: [row('x', 'acc-x', 0)], reportedAt: null }),
    );
    expect(rows).toContainEqual(['posts', '', '', 'published', 1]);
    expect(rows).toContainEqual(['stage', '', '', 'completed', 1]);
    expect(rows).toContainEqual(['metrics', 'x', 'acc-x', 'likes', 30]);
    expect(rows).toContainEqual(['metrics', 'x', 'acc-x', 'engagementRate', '']);
  });
});
