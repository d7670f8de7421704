import {
  DEFAULT_LATE_PUBLISHING,
  holdsLatePublication,
  latePublishingProblems,
  type LatePublishingPolicy,
} from '../../domain/latePublishing';

const publishAt = '2026-12-03T09:00:00.000Z';
const minutesAfter = (minutes: number): number => Date.parse(publishAt) + minutes * 60_000;
const holding: LatePublishingPolicy = { passedPublishTime: 'hold_for_review', toleranceMinutes: 30 };

describe('a publish timer that fires late', () => {
  it('publishes by default, however late', () => {
    expect(holdsLatePublication({ policy: DEFAULT_LATE_PUBLISHING, publishAt, firedAt: minutesAfter(600) })).toBe(
      false,
    );
  });

  it('is held only beyond the tolerance when the brand holds late publications', () => {
    expect(holdsLatePublication({ policy: holding, publishAt, firedAt: minutesAfter(30) })).toBe(false);
    expect(holdsLatePublication({ policy: holding, publishAt, firedAt: minutesAfter(30) + 1 })).toBe(true);
  });
});

describe('a late-publishing policy as sent', () => {
  it('is sound with a choice and whole minutes from 1 to 7 days', () => {
    expect(latePublishingProblems(holding)).toEqual([]);
    expect(latePublishingProblems({ passedPublishTime: 'publish', toleranceMinutes: 7 * 24 * 60 })).toEqual([]);
  });

  it('names each field that is wrong', () => {
    expect(
      latePublishingProblems({ passedPublishTime: 'later' as 'publish', toleranceMinutes: 0 }).map(
        (problem) => problem.path,
      ),
    ).toEqual(['passedPublishTime', 'toleranceMinutes']);
    expect(latePublishingProblems({ ...holding, toleranceMinutes: 1.5 })).toHaveLength(1);
    expect(latePublishingProblems({ ...holding, toleranceMinutes: 7 * 24 * 60 + 1 })).toHaveLength(1);
  });
});
