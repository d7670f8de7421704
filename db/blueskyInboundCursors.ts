import type { Knex } from 'knex';

/** Where reading an account's notifications resumes: nothing indexed before `indexedAt` is new, nor `urisAtIndexedAt`. */
export interface NotificationCursor {
  /** The AppView's indexing time of the newest notification read (kept as the platform wrote it). */
  indexedAt: string;
  urisAtIndexedAt: string[];
}

interface CursorRow {
  account_id: string;
  indexed_at: string;
  uris_at_indexed_at: string[];
}

export function createBlueskyInboundCursorStore(db: Knex) {
  return {
    async read(accountId: string): Promise<NotificationCursor | undefined> {
      const row = await db<CursorRow>('bluesky_inbound_cursors').where({ account_id: accountId }).first();
      return row ? { indexedAt: row.indexed_at, urisAtIndexedAt: row.uris_at_indexed_at } : undefined;
    },

    async write({ accountId, cursor, now }: { accountId: string; cursor: NotificationCursor; now: Date }) {
      await db('bluesky_inbound_cursors')
        .insert({
          account_id: accountId,
          indexed_at: cursor.indexedAt,
          uris_at_indexed_at: JSON.stringify(cursor.urisAtIndexedAt),
          updated_at: now.toISOString(),
        })
        .onConflict('account_id')
        .merge();
    },
  };
}

export type BlueskyInboundCursorStore = ReturnType<typeof createBlueskyInboundCursorStore>;
