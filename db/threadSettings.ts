import type { Knex } from 'knex';
import type { BusinessCalendar } from '../domain/businessHours';
import type { SlaPolicy } from '../domain/sla';
import { DEFAULT_THREAD_SETTINGS, type ThreadSettings } from '../domain/threadSettings';
import type { TriageRules } from '../domain/triage';
import { iso, json, type Executor } from './rows';

export const SETTINGS_PARTS = ['business_hours', 'sla_policy', 'triage_rules'] as const;
export type SettingsPart = (typeof SETTINGS_PARTS)[number];

export interface SettingsValue {
  business_hours: BusinessCalendar;
  sla_policy: SlaPolicy;
  triage_rules: TriageRules;
}

/** Where each part sits in a brand's ThreadSettings. */
export const SETTINGS_FIELD = {
  business_hours: 'calendar',
  sla_policy: 'slaPolicy',
  triage_rules: 'triageRules',
} as const satisfies Record<SettingsPart, keyof ThreadSettings>;

/**
 * The defaults carry version 1, so a brand's first stored version is 2: a version number names
 * one set of settings whether it was the default or the brand's own.
 */
const defaultVersionOf = (part: SettingsPart): number => DEFAULT_THREAD_SETTINGS[SETTINGS_FIELD[part]].version;

export interface SettingsVersion<P extends SettingsPart = SettingsPart> {
  brandId: string;
  part: P;
  version: number;
  settings: SettingsValue[P];
  createdBy: string;
  createdAt: string;
}

interface SettingsRow {
  brand_id: string;
  part: SettingsPart;
  version: number;
  settings: unknown;
  created_by: string;
  created_at: Date;
}

function toVersion<P extends SettingsPart>(row: SettingsRow): SettingsVersion<P> {
  return {
    brandId: row.brand_id,
    part: row.part as P,
    version: row.version,
    settings: row.settings as SettingsValue[P],
    createdBy: row.created_by,
    createdAt: iso(row.created_at),
  };
}

/** A brand's versioned conversation settings: appended, never rewritten; the current one is the highest. */
export function createThreadSettingsStore(db: Knex) {
  return {
    async current<P extends SettingsPart>(
      input: { brandId: string; part: P },
      trx: Executor = db,
    ): Promise<SettingsVersion<P> | undefined> {
      const row = await trx<SettingsRow>('brand_thread_settings')
        .where({ brand_id: input.brandId, part: input.part })
        .orderBy('version', 'desc')
        .first();
      return row ? toVersion<P>(row) : undefined;
    },

    /** A version as it was recorded, e.g. the one a measurement names. */
    async version<P extends SettingsPart>(
      input: { brandId: string; part: P; version: number },
      trx: Executor = db,
    ): Promise<SettingsVersion<P> | undefined> {
      const row = await trx<SettingsRow>('brand_thread_settings')
        .where({ brand_id: input.brandId, part: input.part, version: input.version })
        .first();
      return row ? toVersion<P>(row) : undefined;
    },

    /** The current version of every part the brand has configured, in one query. */
    async currentOfEveryPart(
      input: { brandId: string },
      trx: Executor = db,
    ): Promise<{ [P in SettingsPart]?: SettingsVersion<P> }> {
      const rows = await trx<SettingsRow>('brand_thread_settings')
        .distinctOn('part')
        .where({ brand_id: input.brandId })
        .orderBy([{ column: 'part' }, { column: 'version', order: 'desc' }]);
      return Object.fromEntries(rows.map((row) => [row.part, toVersion(row)]));
    },

    /**
     * Appends the next version (the previous one + 1) of a part; the brand's row is locked so
     * two concurrent changes get consecutive versions. Undefined when the brand does not exist.
     */
    async append<P extends SettingsPart>(
      input: { brandId: string; part: P; settings: Omit<SettingsValue[P], 'version'>; createdBy: string },
      trx?: Knex.Transaction,
    ): Promise<SettingsVersion<P> | undefined> {
      const run = async (tx: Knex.Transaction): Promise<SettingsVersion<P> | undefined> => {
        const brand = await tx<{ id: string }>('brands').where({ id: input.brandId }).forUpdate().first('id');
        if (!brand) return undefined;
        const latest = await tx('brand_thread_settings')
          .where({ brand_id: input.brandId, part: input.part })
          .max<{ max: number | null }>('version as max')
          .first();
        const version = (latest?.max ?? defaultVersionOf(input.part)) + 1;
        const [row] = await tx<SettingsRow>('brand_thread_settings')
          .insert({
            brand_id: input.brandId,
            part: input.part,
            version,
            settings: json({ ...input.settings, version }),
            created_by: input.createdBy,
          })
          .returning('*');
        return toVersion<P>(row);
      };
      return trx ? run(trx) : db.transaction(run);
    },
  };
}

export type ThreadSettingsStore = ReturnType<typeof createThreadSettingsStore>;
