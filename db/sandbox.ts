import type { Knex } from 'knex';
import type { Media, Platform } from '../domain/types';
import { iso, json, type Executor } from './rows';

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

/** What the sandbox platform has "published": the sandbox connector's own storage. */
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
  };
}

export type SandboxStore = ReturnType<typeof createSandboxStore>;
