import type { Knex } from 'knex';
import { iso, json, type Executor } from './rows';

export interface AuditEntry {
  /** What the entry is about, e.g. `post:<postId>`. */
  entity: string;
  /** Position in the entity's history; an entry is written once per (entity, sequence). */
  sequence: number;
  action: string;
  actorId: string;
  fromStage: string | null;
  toStage: string | null;
  at: string;
  detail: Record<string, unknown>;
}

interface AuditRow {
  entity: string;
  sequence: number;
  action: string;
  actor_id: string;
  from_stage: string | null;
  to_stage: string | null;
  at: Date;
  detail: Record<string, unknown>;
}

export const postEntity = (postId: string): string => `post:${postId}`;

function toEntry(row: AuditRow): AuditEntry {
  return {
    entity: row.entity,
    sequence: row.sequence,
    action: row.action,
    actorId: row.actor_id,
    fromStage: row.from_stage,
    toStage: row.to_stage,
    at: iso(row.at),
    detail: row.detail,
  };
}

export function createAuditLog(db: Knex) {
  return {
    /** Appends the entry unless (entity, sequence) is already recorded; true when it was written now. */
    async append(entry: AuditEntry, trx: Executor = db): Promise<boolean> {
      const inserted = await trx('audit_log')
        .insert({
          entity: entry.entity,
          sequence: entry.sequence,
          action: entry.action,
          actor_id: entry.actorId,
          from_stage: entry.fromStage,
          to_stage: entry.toStage,
          at: entry.at,
          detail: json(entry.detail),
        })
        .onConflict(['entity', 'sequence'])
        .ignore()
        .returning('sequence');
      return inserted.length > 0;
    },

    /** The entity's last sequence recorded, or 0 when it has none. */
    async lastSequence(entity: string, trx: Executor = db): Promise<number> {
      const rows: Array<{ last: number | string | null }> = await trx('audit_log')
        .where({ entity })
        .max({ last: 'sequence' });
      return Number(rows[0]?.last ?? 0);
    },

    /** The entity's history in order, optionally after a known sequence (for paging). */
    async listByEntity(
      input: { entity: string; afterSequence?: number; limit?: number },
      trx: Executor = db,
    ): Promise<AuditEntry[]> {
      const query = trx<AuditRow>('audit_log').where({ entity: input.entity }).orderBy('sequence');
      if (input.afterSequence !== undefined) query.where('sequence', '>', input.afterSequence);
      if (input.limit !== undefined) query.limit(input.limit);
      return (await query).map(toEntry);
    },
  };
}

export type AuditLog = ReturnType<typeof createAuditLog>;
