/**
 * A brand's conversation settings as the thread workflow uses them: the current version of each
 * part, or the default for a part the brand never configured.
 */
import { SETTINGS_FIELD, SETTINGS_PARTS, type ThreadSettingsStore } from '../db/threadSettings';
import { validateBusinessCalendar } from '../domain/businessHours';
import { validateSlaPolicy } from '../domain/sla';
import { DEFAULT_THREAD_SETTINGS, type ThreadSettings } from '../domain/threadSettings';
import { validateTriageRules } from '../domain/triage';
import type { ActivityLogger } from './deps';

const PROBLEMS: { [Field in keyof ThreadSettings]: (value: ThreadSettings[Field]) => { path: string }[] } = {
  calendar: (calendar) => validateBusinessCalendar({ calendar }),
  slaPolicy: (policy) => validateSlaPolicy({ policy }),
  triageRules: (rules) => validateTriageRules({ rules }),
};

/**
 * Every part is validated again as it is read: the API refused invalid settings when they were
 * written, but rules may have grown stricter since. A stored part that no longer passes is left
 * out (the workflow keeps what it has) instead of failing every inbound message.
 */
export async function currentThreadSettings({
  settings,
  logger,
  brandId,
}: {
  settings: Pick<ThreadSettingsStore, 'currentOfEveryPart'>;
  logger: ActivityLogger;
  brandId: string;
}): Promise<Partial<ThreadSettings>> {
  const stored = await settings.currentOfEveryPart({ brandId });
  const result: Partial<ThreadSettings> = {};
  for (const part of SETTINGS_PARTS) {
    const field = SETTINGS_FIELD[part];
    const value = stored[part]?.settings ?? DEFAULT_THREAD_SETTINGS[field];
    const problems = (PROBLEMS[field] as (value: unknown) => { path: string }[])(value);
    if (problems.length > 0) {
      logger.warn('stored thread settings no longer pass validation; keeping the ones in use', {
        brandId,
        part,
        version: value.version,
        problems: problems.map((problem) => problem.path),
      });
      continue;
    }
    (result as Record<string, unknown>)[field] = value;
  }
  return result;
}
