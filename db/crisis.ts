import type { Knex } from 'knex';
import { DEFAULT_CRISIS_POLICY, type CrisisPolicy } from '../domain/crisis';
import { iso, isoOrNull, json, type Executor } from './rows';

export interface CrisisPolicyVersion {
  brandId: string;
  version: number;
  policy: CrisisPolicy;
  createdBy: string;
  createdAt: string;
}

export const CRISIS_STATUSES = ['awaiting_confirmation', 'active', 'ended', 'dismissed'] as const;
export type CrisisStatus = (typeof CRISIS_STATUSES)[number];
export type CrisisDeclaredHow = 'automatic' | 'confirmed' | 'manual';

/** One crisis of a brand as the crisis monitor recorded it. */
export interface CrisisRecord {
  crisisId: string;
  brandId: string;
  status: CrisisStatus;
  declaredHow: CrisisDeclaredHow | null;
  detectedAt: string | null;
  /** What the detection rule read when it alerted. */
  detection: Record<string, unknown> | null;
  declaredBy: string | null;
  declareReason: string | null;
  declaredAt: string | null;
  endedBy: string | null;
  endReason: string | null;
  endedAt: string | null;
  policyVersion: number;
  /** The monitor's transition that wrote it: a retried, older write never overwrites a newer one. */
  sequence: number;
  updatedAt: string;
}

interface CrisisRow {
  id: string;
  brand_id: string;
  status: CrisisStatus;
  declared_how: CrisisDeclaredHow | null;
  detected_at: Date | null;
  detection: Record<string, unknown> | null;
  declared_by: string | null;
  declare_reason: string | null;
  declared_at: Date | null;
  ended_by: string | null;
  end_reason: string | null;
  ended_at: Date | null;
  policy_version: number;
  last_sequence: number;
  updated_at: Date;
}

function toRecord(row: CrisisRow): CrisisRecord {
  return {
    crisisId: row.id,
    brandId: row.brand_id,
    status: row.status,
    declaredHow: row.declared_how,
    detectedAt: isoOrNull(row.detected_at),
    detection: row.detection,
    declaredBy: row.declared_by,
    declareReason: row.declare_reason,
    declaredAt: isoOrNull(row.declared_at),
    endedBy: row.ended_by,
    endReason: row.end_reason,
    endedAt: isoOrNull(row.ended_at),
    policyVersion: row.policy_version,
    sequence: row.last_sequence,
    updatedAt: iso(row.updated_at),
  };
}

interface PolicyRow {
  brand_id: string;
  version: number;
  policy: CrisisPolicy;
  created_by: string;
  created_at: Date;
}

const OPEN: CrisisStatus[] = ['awaiting_confirmation', 'active'];

/** A brand's crisis policy (versioned, appended, never rewritten) and its crises. */
export function createCrisisStore(db: Knex) {
  return {
    async currentPolicy(input: { brandId: string }, trx: Executor = db): Promise<CrisisPolicyVersion | undefined> {
      const row = await trx<PolicyRow>('brand_crisis_policies')
        .where({ brand_id: input.brandId })
        .orderBy('version', 'desc')
        .first();
      return row
        ? {
            brandId: row.brand_id,
            version: row.version,
            policy: row.policy,
            createdBy: row.created_by,
            createdAt: iso(row.created_at),
          }
        : undefined;
    },

    /** The next version (the defaults are version 1); undefined when the brand does not exist. */
    async appendPolicy(
      input: { brandId: string; policy: Omit<CrisisPolicy, 'version'>; createdBy: string },
      trx?: Knex.Transaction,
    ): Promise<CrisisPolicyVersion | undefined> {
      const run = async (tx: Knex.Transaction): Promise<CrisisPolicyVersion | undefined> => {
        const brand = await tx<{ id: string }>('brands').where({ id: input.brandId }).forUpdate().first('id');
        if (!brand) return undefined;
        const latest = await tx('brand_crisis_policies')
          .where({ brand_id: input.brandId })
          .max<{ max: number | null }>('version as max')
          .first();
        const version = (latest?.max ?? DEFAULT_CRISIS_POLICY.version) + 1;
        const policy: CrisisPolicy = { ...input.policy, version };
        const [row] = (await tx('brand_crisis_policies')
          .insert({ brand_id: input.brandId, version, policy: json(policy), created_by: input.createdBy })
          .returning('*')) as PolicyRow[];
        return {
          brandId: input.brandId,
          version,
          policy,
          createdBy: input.createdBy,
          createdAt: iso(row.created_at),
        };
      };
      return trx ? run(trx) : db.transaction(run);
    },

    /** Writes the crisis as of the monitor's transition, unless a later transition already did. */
    async recordCrisis(record: Omit<CrisisRecord, 'updatedAt'> & { at: string }, trx: Executor = db): Promise<boolean> {
      const row = {
        id: record.crisisId,
        brand_id: record.brandId,
        status: record.status,
        declared_how: record.declaredHow,
        detected_at: record.detectedAt,
        detection: record.detection === null ? null : json(record.detection),
        declared_by: record.declaredBy,
        declare_reason: record.declareReason,
        declared_at: record.declaredAt,
        ended_by: record.endedBy,
        end_reason: record.endReason,
        ended_at: record.endedAt,
        policy_version: record.policyVersion,
        last_sequence: record.sequence,
        updated_at: record.at,
      };
      const written = await trx('brand_crises')
        .insert(row)
        .onConflict('id')
        .merge()
        .where('brand_crises.last_sequence', '<', record.sequence)
        .returning('id');
      return written.length > 0;
    },

    /** The brand's open crisis (awaiting confirmation or active), if any. */
    async openCrisis(input: { brandId: string }, trx: Executor = db): Promise<CrisisRecord | undefined> {
      const row = await trx<CrisisRow>('brand_crises')
        .where({ brand_id: input.brandId })
        .whereIn('status', OPEN)
        .first();
      return row ? toRecord(row) : undefined;
    },

    /** Whether posts of the brand are held right now: a declared crisis that has not ended. */
    async activeCrisis(input: { brandId: string }, trx: Executor = db): Promise<CrisisRecord | undefined> {
      const row = await trx<CrisisRow>('brand_crises').where({ brand_id: input.brandId, status: 'active' }).first();
      return row ? toRecord(row) : undefined;
    },

    /** The brand's most recent crises, newest first. */
    async recentCrises(input: { brandId: string; limit: number }, trx: Executor = db): Promise<CrisisRecord[]> {
      const rows = await trx<CrisisRow>('brand_crises')
        .where({ brand_id: input.brandId })
        .orderBy('updated_at', 'desc')
        .limit(input.limit);
      return rows.map(toRecord);
    },
  };
}

export type CrisisStore = ReturnType<typeof createCrisisStore>;
