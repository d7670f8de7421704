import { currentThreadSettings } from '../../activities/threadSettings';
import type { SettingsVersion } from '../../db/threadSettings';
import { ROUND_THE_CLOCK_CALENDAR } from '../../domain/businessHours';
import { DEFAULT_SLA_POLICY } from '../../domain/sla';
import { DEFAULT_TRIAGE_RULES } from '../../domain/triage';

function stored<P extends SettingsVersion['part']>(part: P, settings: unknown): SettingsVersion<P> {
  return {
    brandId: 'b1',
    part,
    version: (settings as { version: number }).version,
    settings: settings as SettingsVersion<P>['settings'],
    createdBy: 'mia',
    createdAt: '2026-12-01T00:00:00.000Z',
  };
}

describe("a brand's current thread settings", () => {
  it('gives the defaults for every part the brand never configured', async () => {
    const settings = await currentThreadSettings({
      settings: { currentOfEveryPart: () => Promise.resolve({}) },
      logger: { info: jest.fn(), warn: jest.fn() },
      brandId: 'b1',
    });
    expect(settings).toEqual({
      calendar: ROUND_THE_CLOCK_CALENDAR,
      slaPolicy: DEFAULT_SLA_POLICY,
      triageRules: DEFAULT_TRIAGE_RULES,
    });
  });

  it('leaves out, with a warning, a stored part that no longer passes validation', async () => {
    const warn = jest.fn();
    const policy = { ...DEFAULT_SLA_POLICY, version: 4, targets: { ...DEFAULT_SLA_POLICY.targets } };
    const settings = await currentThreadSettings({
      settings: {
        currentOfEveryPart: () =>
          Promise.resolve({
            sla_policy: stored('sla_policy', policy),
            triage_rules: stored('triage_rules', { ...DEFAULT_TRIAGE_RULES, version: 3, vipPriority: 'asap' }),
          }),
      },
      logger: { info: jest.fn(), warn },
      brandId: 'b1',
    });
    expect(settings).toEqual({ calendar: ROUND_THE_CLOCK_CALENDAR, slaPolicy: policy });
    expect(warn).toHaveBeenCalledWith(
      expect.stringContaining('no longer pass validation'),
      expect.objectContaining({ part: 'triage_rules', version: 3, problems: ['vipPriority'] }),
    );
  });
});
