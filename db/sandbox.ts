import type { Knex } from 'knex';
import type { Media, Platform } from '../domain/types';
import { iso, json, type Executor } from './rows';

/** Tells the sandbox connector to fail publications for an account. */
export interface SandboxFailure {
  mode: 'rate_limit' | 'revoked' | 'refused';
  retryAfterSeconds?: number;
  /** Fail only this many more times, then behave normally; absent means always. */
  times?: number;
}

export interface SandboxPublication {
  idempotencyKey: string;
  accountId: string;
  platform: Platform;
  postId: string;
  text: string;
  media: Media[];
  externalId: string;
  url: string;
  publishedAt: string;
}

export interface SandboxReply {
  idempotencyKey: string;
  accountId: string;
  platform: Platform;
  threadExternalId: string;
  inReplyToExternalId: string | null;
  text: string;
  externalId: string;
  sentAt: string;
}

interface PublicationRow {
  idempotency_key: string;
  account_id: string;
  platform: Platform;
  post_id: string;
  text: string;
  media: Media[];
  external_id: string;
  url: string;
  published_at: Date;
}

interface ReplyRow {
  idempotency_key: string;
  account_id: string;
  platform: Platform;
  thread_external_id: string;
  in_reply_to_external_id: string | null;
  text: string;
  external_id: string;
  sent_at: Date;
}

function toPublication(row: PublicationRow): SandboxPublication {
  return {
    idempotencyKey: row.idempotency_key,
    accountId: row.account_id,
    platform: row.platform,
    postId: row.post_id,
    text: row.text,
    media: row.media,
    externalId: row.external_id,
    url: row.url,
    publishedAt: iso(row.published_at),
  };
}

function toReply(row: ReplyRow): SandboxReply {
  return {
    idempotencyKey: row.idempotency_key,
    accountId: row.account_id,
    platform: row.platform,
    threadExternalId: row.thread_external_id,
    inReplyToExternalId: row.in_reply_to_external_id,
    text: row.text,
    externalId: row.external_id,
    sentAt: iso(row.sent_at),
  };
}

/**
 * What the sandbox platform has "published", and how it is told to misbehave: the sandbox
 * connector's own storage.
 */
export function createSandboxStore(db: Knex) {
  return {
    /**
     * Records the publication unless its idempotency key was seen before, and returns the
     * publication stored under that key: the new one, or the original on a repeat.
     */
    async publishOnce(
      input: SandboxPublication,
      trx: Executor = db,
    ): Promise<{ publication: SandboxPublication; created: boolean }> {
      const inserted = await trx('sandbox_publications')
        .insert({
          idempotency_key: input.idempotencyKey,
          account_id: input.accountId,
          platform: input.platform,
          post_id: input.postId,
          text: input.text,
          media: json(input.media),
          external_id: input.externalId,
          url: input.url,
          published_at: input.publishedAt,
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('*');
      if (inserted.length > 0) return { publication: toPublication(inserted[0] as PublicationRow), created: true };
      const existing = await this.findByIdempotencyKey(input.idempotencyKey, trx);
      if (!existing) throw new Error(`sandbox publication ${input.idempotencyKey} vanished after conflict`);
      return { publication: existing, created: false };
    },

    async findByIdempotencyKey(key: string, trx: Executor = db): Promise<SandboxPublication | undefined> {
      const row = await trx<PublicationRow>('sandbox_publications').where({ idempotency_key: key }).first();
      return row ? toPublication(row) : undefined;
    },

    async findByExternalId(externalId: string, trx: Executor = db): Promise<SandboxPublication | undefined> {
      const row = await trx<PublicationRow>('sandbox_publications').where({ external_id: externalId }).first();
      return row ? toPublication(row) : undefined;
    },

    async listByPost(input: { postId: string }, trx: Executor = db): Promise<SandboxPublication[]> {
      const rows = await trx<PublicationRow>('sandbox_publications')
        .where({ post_id: input.postId })
        .orderBy(['published_at', 'account_id']);
      return rows.map(toPublication);
    },

    /** Same guarantee as publishOnce, for replies in a conversation. */
    async replyOnce(input: SandboxReply, trx: Executor = db): Promise<{ reply: SandboxReply; created: boolean }> {
      const inserted = await trx('sandbox_replies')
        .insert({
          idempotency_key: input.idempotencyKey,
          account_id: input.accountId,
          platform: input.platform,
          thread_external_id: input.threadExternalId,
          in_reply_to_external_id: input.inReplyToExternalId,
          text: input.text,
          external_id: input.externalId,
          sent_at: input.sentAt,
        })
        .onConflict('idempotency_key')
        .ignore()
        .returning('*');
      if (inserted.length > 0) return { reply: toReply(inserted[0] as ReplyRow), created: true };
      const existing = await this.findReplyByIdempotencyKey(input.idempotencyKey, trx);
      if (!existing) throw new Error(`sandbox reply ${input.idempotencyKey} vanished after conflict`);
      return { reply: existing, created: false };
    },

    async findReplyByIdempotencyKey(key: string, trx: Executor = db): Promise<SandboxReply | undefined> {
      const row = await trx<ReplyRow>('sandbox_replies').where({ idempotency_key: key }).first();
      return row ? toReply(row) : undefined;
    },

    async listRepliesByThread(input: { threadExternalId: string }, trx: Executor = db): Promise<SandboxReply[]> {
      const rows = await trx<ReplyRow>('sandbox_replies')
        .where({ thread_external_id: input.threadExternalId })
        .orderBy('sent_at');
      return rows.map(toReply);
    },

    /** Sets or (with `null`) clears the failure the sandbox answers the account's publications with. */
    async setAccountFailure(
      input: { accountId: string; failure: SandboxFailure | null },
      trx: Executor = db,
    ): Promise<void> {
      if (!input.failure) {
        await trx('sandbox_account_behaviour').where({ account_id: input.accountId }).delete();
        return;
      }
      await trx('sandbox_account_behaviour')
        .insert({ account_id: input.accountId, failure: json(input.failure) })
        .onConflict('account_id')
        .merge();
    },

    async findAccountFailure(input: { accountId: string }, trx: Executor = db): Promise<SandboxFailure | null> {
      const row = await trx<{ account_id: string; failure: SandboxFailure }>('sandbox_account_behaviour')
        .where({ account_id: input.accountId })
        .first();
      return row?.failure ?? null;
    },

    /**
     * Takes one failure from the account's failure setting, if one is due: a failure with a
     * `times` counter is decremented in the same statement (and removed at zero), so concurrent
     * publish attempts never fail more often than asked.
     */
    async consumeAccountFailure(input: { accountId: string }, trx: Executor = db): Promise<SandboxFailure | null> {
      const result = await trx.raw<{ rows: Array<{ failure: SandboxFailure }> }>(
        `WITH due AS (
           SELECT account_id, failure FROM sandbox_account_behaviour
            WHERE account_id = ?
            FOR UPDATE
         ),
         spent AS (
           DELETE FROM sandbox_account_behaviour AS b
            USING due
            WHERE b.account_id = due.account_id
              AND due.failure->>'times' IS NOT NULL AND (due.failure->>'times')::int <= 1
         ),
         counted AS (
           UPDATE sandbox_account_behaviour AS b
              SET failure = jsonb_set(due.failure, '{times}', to_jsonb((due.failure->>'times')::int - 1))
             FROM due
            WHERE b.account_id = due.account_id
              AND due.failure->>'times' IS NOT NULL AND (due.failure->>'times')::int > 1
         )
         SELECT failure FROM due`,
        [input.accountId],
      );
      const failure = result.rows[0]?.failure;
      if (!failure) return null;
      if (failure.times !== undefined && failure.times <= 0) return null;
      return failure;
    },
  };
}

export type SandboxStore = ReturnType<typeof createSandboxStore>;
