import type { Knex } from 'knex';
import { iso, isoOrNull, json, type Executor } from './rows';

export interface NotificationRecord {
  id: string;
  kind: string;
  postId: string | null;
  brandId: string | null;
  payload: Record<string, unknown>;
  createdAt: string;
  deliveredAt: string | null;
  attempts: number;
}

interface NotificationRow {
  id: string;
  kind: string;
  post_id: string | null;
  brand_id: string | null;
  payload: Record<string, unknown>;
  created_at: Date;
  delivered_at: Date | null;
  attempts: number;
}

export interface NewNotification {
  id: string;
  kind: string;
  postId?: string | null;
  brandId?: string | null;
  payload: Record<string, unknown>;
  createdAt?: string;
}

function toRecord(row: NotificationRow): NotificationRecord {
  return {
    id: row.id,
    kind: row.kind,
    postId: row.post_id,
    brandId: row.brand_id,
    payload: row.payload,
    createdAt: iso(row.created_at),
    deliveredAt: isoOrNull(row.delivered_at),
    attempts: row.attempts,
  };
}

export function createNotificationStore(db: Knex) {
  return {
    /** Records the notification once per id; a retried delivery returns the existing record. */
    async recordOnce(input: NewNotification, trx: Executor = db): Promise<NotificationRecord> {
      await this.recordMany([input], trx);
      const record = await this.findById(input.id, trx);
      if (!record) throw new Error(`notification ${input.id} vanished after insert`);
      return record;
    },

    /** Records notifications, each once per id: a notification already on record is left as it is. */
    async recordMany(inputs: NewNotification[], trx: Executor = db): Promise<void> {
      if (inputs.length === 0) return;
      await trx('notifications')
        .insert(
          inputs.map((input) => ({
            id: input.id,
            kind: input.kind,
            post_id: input.postId ?? null,
            brand_id: input.brandId ?? null,
            payload: json(input.payload),
            ...(input.createdAt ? { created_at: input.createdAt } : {}),
          })),
        )
        .onConflict('id')
        .ignore();
    },

    async recordAttempt(input: { id: string }, trx: Executor = db): Promise<void> {
      await trx('notifications').where({ id: input.id }).increment('attempts', 1);
    },

    async markDelivered(input: { id: string; at: string }, trx: Executor = db): Promise<void> {
      await trx('notifications').where({ id: input.id }).whereNull('delivered_at').update({ delivered_at: input.at });
    },

    async findById(id: string, trx: Executor = db): Promise<NotificationRecord | undefined> {
      const row = await trx<NotificationRow>('notifications').where({ id }).first();
      return row ? toRecord(row) : undefined;
    },

    async findByIds(ids: string[], trx: Executor = db): Promise<NotificationRecord[]> {
      if (ids.length === 0) return [];
      const rows = await trx<NotificationRow>('notifications').whereIn('id', ids);
      return rows.map(toRecord);
    },

    /** The post's notifications in the order they were recorded. */
    async listByPost(input: { postId: string }, trx: Executor = db): Promise<NotificationRecord[]> {
      const rows = await trx<NotificationRow>('notifications').where({ post_id: input.postId }).orderBy('position');
      return rows.map(toRecord);
    },
  };
}

export type NotificationStore = ReturnType<typeof createNotificationStore>;
