import fc from 'fast-check';
import {
  countMessage,
  countsTowardsCrisis,
  DEFAULT_CRISIS_POLICY,
  emptyCrisisWindow,
  judgeWindow,
  validateCrisisPolicy,
  type CrisisPolicy,
  type CrisisWindow,
} from '../../domain/crisis';

const HOUR_MS = 60 * 60 * 1000;
const START = Date.parse('2026-11-02T00:00:00Z');
const at = (ms: number): string => new Date(START + ms).toISOString();

function policyWith(overrides: Partial<CrisisPolicy>): CrisisPolicy {
  return { ...DEFAULT_CRISIS_POLICY, ...overrides };
}

/** `count` messages spread evenly over [fromMs, toMs). */
function messages(window: CrisisWindow, policy: CrisisPolicy, count: number, fromMs: number, toMs: number) {
  let counted = window;
  for (let i = 0; i < count; i += 1) {
    counted = countMessage({ window: counted, at: at(fromMs + Math.floor(((toMs - fromMs) * i) / count)), policy });
  }
  return counted;
}

describe('crisis detection: a fixed threshold', () => {
  const policy = policyWith({ threshold: { kind: 'count', count: 5 }, minimumVolume: 1, windowMinutes: 30 });

  it('crosses when the window holds the threshold, not one message before', () => {
    const four = messages(emptyCrisisWindow(at(0)), policy, 4, 0, 10 * 60_000);
    expect(judgeWindow({ window: four, now: at(10 * 60_000), policy, lastAlertAt: null })).toMatchObject({
      crossed: false,
      reason: 'below_threshold',
      reading: { count: 4, threshold: 5 },
    });
    const five = countMessage({ window: four, at: at(11 * 60_000), policy });
    const verdict = judgeWindow({ window: five, now: at(11 * 60_000), policy, lastAlertAt: null });
    expect(verdict.crossed).toBe(true);
    expect(verdict.reading.count).toBe(5);
  });

  it('forgets messages once they slide out of the window', () => {
    const five = messages(emptyCrisisWindow(at(0)), policy, 5, 0, 5 * 60_000);
    expect(judgeWindow({ window: five, now: at(5 * 60_000), policy, lastAlertAt: null }).crossed).toBe(true);
    expect(judgeWindow({ window: five, now: at(40 * 60_000), policy, lastAlertAt: null })).toMatchObject({
      crossed: false,
      reading: { count: 0 },
    });
  });
});

describe('crisis detection: a multiple of the brand’s baseline', () => {
  const policy = policyWith({
    threshold: { kind: 'baseline_multiple', multiple: 3 },
    windowMinutes: 60,
    minimumVolume: 5,
    baselineDays: 7,
  });
  // Two negative messages an hour for a week: the brand's usual.
  const usual = messages(emptyCrisisWindow(at(0)), policy, 7 * 24 * 2, 0, 7 * 24 * HOUR_MS);
  const afterWeek = 7 * 24 * HOUR_MS;

  it('measures the usual count per window over the baseline period', () => {
    const verdict = judgeWindow({ window: usual, now: at(afterWeek), policy, lastAlertAt: null });
    expect(verdict.reading.baselinePerWindow).toBeCloseTo(2, 0);
    expect(verdict.reading.threshold).toBe(6);
  });

  it('crosses at three times the usual and not below', () => {
    const five = messages(usual, policy, 5, afterWeek, afterWeek + 30 * 60_000);
    expect(judgeWindow({ window: five, now: at(afterWeek + 30 * 60_000), policy, lastAlertAt: null }).crossed).toBe(
      false,
    );
    const surge = messages(usual, policy, 8, afterWeek, afterWeek + 30 * 60_000);
    const verdict = judgeWindow({ window: surge, now: at(afterWeek + 30 * 60_000), policy, lastAlertAt: null });
    expect(verdict).toMatchObject({ crossed: true });
    expect(verdict.reason).toContain('3 times the usual');
  });

  it('a noisier brand needs a bigger surge', () => {
    const noisy = messages(emptyCrisisWindow(at(0)), policy, 7 * 24 * 10, 0, afterWeek);
    const surge = messages(noisy, policy, 8, afterWeek, afterWeek + 30 * 60_000);
    expect(judgeWindow({ window: surge, now: at(afterWeek + 30 * 60_000), policy, lastAlertAt: null }).crossed).toBe(
      false,
    );
  });

  it('keeps bounded state: no more buckets than the window’s minutes and the period’s hours', () => {
    const month = messages(emptyCrisisWindow(at(0)), policy, 3000, 0, 30 * 24 * HOUR_MS);
    expect(month.minutes.length).toBeLessThanOrEqual(policy.windowMinutes);
    expect(month.hours.length).toBeLessThanOrEqual(policy.baselineDays * 24);
  });
});

describe('crisis detection: minimum volume', () => {
  it('a brand with no baseline does not alert on a handful of messages', () => {
    const policy = policyWith({ minimumVolume: 10 });
    const three = messages(emptyCrisisWindow(at(0)), policy, 3, 0, 60_000);
    expect(judgeWindow({ window: three, now: at(60_000), policy, lastAlertAt: null })).toMatchObject({
      crossed: false,
      reason: 'below_minimum_volume',
    });
    const ten = messages(emptyCrisisWindow(at(0)), policy, 10, 0, 60_000);
    expect(judgeWindow({ window: ten, now: at(60_000), policy, lastAlertAt: null }).crossed).toBe(true);
  });
});

describe('crisis detection: cooldown', () => {
  const policy = policyWith({ threshold: { kind: 'count', count: 3 }, minimumVolume: 1, cooldownMinutes: 120 });
  const surge = messages(emptyCrisisWindow(at(0)), policy, 3, 3 * HOUR_MS, 3 * HOUR_MS + 60_000);
  const now = at(3 * HOUR_MS + 60_000);

  it('does not alert again within the cooldown after an alert', () => {
    expect(judgeWindow({ window: surge, now, policy, lastAlertAt: at(2 * HOUR_MS) })).toMatchObject({
      crossed: false,
      reason: 'cooling_down',
    });
  });

  it('alerts again once the cooldown has passed', () => {
    expect(judgeWindow({ window: surge, now, policy, lastAlertAt: at(HOUR_MS - 60_000) }).crossed).toBe(true);
  });
});

describe('which messages count towards a crisis', () => {
  const rules = { negativeSentimentScore: -2 };
  it('negative sentiment or a crisis-sensitive category', () => {
    expect(
      countsTowardsCrisis({ triage: { category: 'support', sentiment: { score: -3, comparative: -1 } }, rules }),
    ).toBe(true);
    expect(countsTowardsCrisis({ triage: { category: 'crisis_sensitive', sentiment: null }, rules })).toBe(true);
    expect(
      countsTowardsCrisis({ triage: { category: 'support', sentiment: { score: 0, comparative: 0 } }, rules }),
    ).toBe(false);
    expect(countsTowardsCrisis({ triage: { category: 'complaint', sentiment: null }, rules })).toBe(false);
  });
});

describe('crisis policy validation', () => {
  it('accepts the defaults', () => {
    expect(validateCrisisPolicy({ policy: DEFAULT_CRISIS_POLICY })).toEqual([]);
  });

  it('names each field it refuses', () => {
    const problems = validateCrisisPolicy({
      policy: policyWith({
        windowMinutes: 0,
        threshold: { kind: 'baseline_multiple', multiple: 1 },
        minimumVolume: 0,
        cooldownMinutes: -1,
        baselineDays: 31,
        contacts: ['mia', 'mia'],
      }),
    });
    expect(problems.map((problem) => problem.path.join('.'))).toEqual([
      'windowMinutes',
      'threshold.multiple',
      'minimumVolume',
      'cooldownMinutes',
      'baselineDays',
      'contacts',
    ]);
  });
});

describe('crisis detection against a plain count of the messages', () => {
  it('counts exactly the messages of the window, in any order, with bounded state', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 3 * 24 * 60 }), { maxLength: 200 }),
        fc.integer({ min: 1, max: 240 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        (minutesAfterStart, windowMinutes, count, minimumVolume) => {
          const policy = policyWith({
            windowMinutes,
            threshold: { kind: 'count', count },
            minimumVolume,
            baselineDays: 1,
          });
          const nowMinute = Math.max(0, ...minutesAfterStart);
          let window = emptyCrisisWindow(at(0));
          for (const minute of minutesAfterStart) window = countMessage({ window, at: at(minute * 60_000), policy });
          const verdict = judgeWindow({ window, now: at(nowMinute * 60_000), policy, lastAlertAt: null });
          const inWindow = minutesAfterStart.filter((minute) => minute > nowMinute - windowMinutes).length;
          expect(verdict.reading.count).toBe(inWindow);
          expect(verdict.crossed).toBe(inWindow >= count && inWindow >= minimumVolume);
          expect(window.minutes.length).toBeLessThanOrEqual(windowMinutes);
          expect(window.hours.length).toBeLessThanOrEqual(24);
        },
      ),
      { numRuns: 200 },
    );
  });
});
