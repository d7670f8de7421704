/**
 * Bluesky behind the connector interface, through the official client. A post or reply is written
 * under a record key derived from its idempotency key and a time the workflow fixed (recordKey.ts),
 * after asking whether that record exists: a retry after a lost answer finds the first record.
 */
import { AtUri, RichText, XRPCError, type BlobRef } from '@atproto/api';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { createAccountStore, type Account } from '../../../db/accounts';
import { createAccountCredentialStore } from '../../../db/accountCredentials';
import type { MetricCounts } from '../../../db/metrics';
import type { QualityIssue } from '../../../domain/postState';
import type { Media } from '../../../domain/types';
import { ErrorType } from '../../contract';
import type { PlatformConnector, Publication, VariantToPublish } from '../types';
import type { NotificationCursor } from '../../../db/blueskyInboundCursors';
import { failureFromBluesky } from './failures';
import { idOfUri, NotABlueskyIdError, uriOfId } from './ids';
import { CONVERSATION_REASONS, cursorAfter, readBefore, type Notification } from './notifications';
import { recordKeyFor } from './recordKey';
import { createBlueskySessions, type SignedIn } from './sessions';

export const BLUESKY_CONNECTOR = 'bluesky';
const POST_COLLECTION = 'app.bsky.feed.post';
const WEB_ORIGIN = 'https://bsky.app';

/** How many pages of notifications one read goes back at most (older ones are left unread). */
const NOTIFICATION_PAGES_PER_READ = 10;
const NOTIFICATION_PAGE_SIZE = 50;

export interface BlueskyConnector extends PlatformConnector {
  /**
   * The account's reply, mention and quote notifications the cursor has not passed, oldest
   * first, and the cursor past every notification read (likes and follows included).
   */
  newNotifications(
    accountId: string,
    cursor: NotificationCursor | undefined,
  ): Promise<{ notifications: Notification[]; cursor: NotificationCursor | undefined }>;
}

export interface BlueskyConnectorDeps {
  db: Knex;
  /** The key platform credentials are sealed with (INBOUND_SECRET_KEY). */
  secretKey: Buffer;
  clock?: () => Date;
  fetch?: typeof globalThis.fetch;
}

type StrongRef = { uri: string; cid: string };
type ImagesEmbed = { $type: 'app.bsky.embed.images'; images: Array<{ image: BlobRef; alt: string }> };
type PostEmbed =
  | ImagesEmbed
  | { $type: 'app.bsky.embed.record'; record: StrongRef }
  | { $type: 'app.bsky.embed.recordWithMedia'; record: { record: StrongRef }; media: ImagesEmbed };

interface PostRecord {
  $type: typeof POST_COLLECTION;
  text: string;
  createdAt: string;
  facets?: RichText['facets'];
  langs?: string[];
  embed?: PostEmbed;
  reply?: { root: { uri: string; cid: string }; parent: { uri: string; cid: string } };
}

/** The time the record key is built from: the workflow's, else the first attempt's schedule. */
function keyTime(fixedAt: string | undefined): string {
  if (fixedAt) return fixedAt;
  return new Date(Context.current().info.scheduledTimestampMs).toISOString();
}

function isRecordNotFound(error: unknown): boolean {
  if (!(error instanceof XRPCError)) return false;
  if (error.error === 'RecordNotFound' || Number(error.status) === 404) return true;
  return Number(error.status) === 400 && /not found|could not find/i.test(error.message);
}

/** The record a conversation or message id names; an id that names none can never be answered. */
function recordUri(id: string): string {
  try {
    return uriOfId(id);
  } catch (error) {
    if (!(error instanceof NotABlueskyIdError)) throw error;
    throw ApplicationFailure.create({
      type: ErrorType.ContentRefused,
      message: `Bluesky has no such record: ${error.message}`,
      nonRetryable: true,
    });
  }
}

export function postUrl(handle: string, uri: string): string {
  return `${WEB_ORIGIN}/profile/${handle}/post/${new AtUri(uri).rkey}`;
}

export function createBlueskyConnector(deps: BlueskyConnectorDeps): BlueskyConnector {
  const clock = deps.clock ?? (() => new Date());
  const accounts = createAccountStore(deps.db);
  const credentials = createAccountCredentialStore(deps.db, { key: deps.secretKey });
  const sessions = createBlueskySessions({ credentials, clock, ...(deps.fetch ? { fetch: deps.fetch } : {}) });

  async function requireAccount(accountId: string): Promise<Account> {
    const account = await accounts.findById(accountId);
    if (!account) {
      throw ApplicationFailure.create({
        type: ErrorType.AccountNotFound,
        message: `account ${accountId} does not exist`,
        nonRetryable: true,
      });
    }
    return account;
  }

  /** Runs a call as the account, keeping its health up to date and turning answers into failures. */
  async function asAccount<T>(account: Account, call: (signedIn: SignedIn) => Promise<T>): Promise<T> {
    try {
      const result = await sessions.as(account, call);
      await credentials.recordSuccess({ accountId: account.id, at: clock() });
      return result;
    } catch (error) {
      const failure = failureFromBluesky(error, { account, now: clock() });
      const message = failure instanceof Error ? failure.message : String(failure);
      const alreadyRecorded =
        failure instanceof ApplicationFailure && failure.type === ErrorType.AccountNeedsReauthentication;
      if (!alreadyRecorded) await credentials.recordError({ accountId: account.id, at: clock(), error: message });
      throw failure;
    }
  }

  async function existingRecord(signedIn: SignedIn, rkey: string) {
    try {
      const found = await signedIn.agent.com.atproto.repo.getRecord({
        repo: signedIn.did,
        collection: POST_COLLECTION,
        rkey,
      });
      return { uri: found.data.uri, cid: found.data.cid ?? '', value: found.data.value as unknown as PostRecord };
    } catch (error) {
      if (isRecordNotFound(error)) return undefined;
      throw error;
    }
  }

  /** Writes the record under its key unless it is there already; answers with the record either way. */
  async function writeOnce(signedIn: SignedIn, rkey: string, build: () => Promise<PostRecord>) {
    const earlier = await existingRecord(signedIn, rkey);
    if (earlier) return { uri: earlier.uri, cid: earlier.cid, createdAt: earlier.value.createdAt };
    const record = await build();
    try {
      const created = await signedIn.agent.com.atproto.repo.createRecord({
        repo: signedIn.did,
        collection: POST_COLLECTION,
        rkey,
        record: record as unknown as Record<string, unknown>,
        validate: true,
      });
      return { uri: created.data.uri, cid: created.data.cid, createdAt: record.createdAt };
    } catch (error) {
      // Another attempt wrote it between the look and the write.
      const raced = await existingRecord(signedIn, rkey);
      if (raced) return { uri: raced.uri, cid: raced.cid, createdAt: raced.value.createdAt };
      throw error;
    }
  }

  async function withFacets(signedIn: SignedIn, text: string): Promise<Pick<PostRecord, 'text' | 'facets'>> {
    const rich = new RichText({ text });
    await rich.detectFacets(signedIn.agent);
    return { text: rich.text, ...(rich.facets && rich.facets.length > 0 ? { facets: rich.facets } : {}) };
  }

  /** Uploads each image as a blob of the account's repository, with its alt text. */
  async function imagesEmbed(signedIn: SignedIn, media: Media[]): Promise<ImagesEmbed | undefined> {
    if (media.length === 0) return undefined;
    if (media.some((item) => item.kind !== 'image')) {
      throw ApplicationFailure.create({
        type: ErrorType.ContentRefused,
        message: 'videos are not published to Bluesky yet; publish images only',
        nonRetryable: true,
      });
    }
    const images = [];
    for (const item of media) {
      const download = await (deps.fetch ?? fetch)(item.url);
      if (!download.ok) {
        throw ApplicationFailure.create({
          type: ErrorType.ContentRefused,
          message: `the image ${item.url} could not be fetched (HTTP ${download.status})`,
          nonRetryable: download.status >= 400 && download.status < 500,
        });
      }
      const bytes = new Uint8Array(await download.arrayBuffer());
      const encoding = download.headers.get('content-type') ?? 'application/octet-stream';
      const uploaded = await signedIn.agent.uploadBlob(bytes, { encoding });
      images.push({ image: uploaded.data.blob, alt: item.alt ?? '' });
    }
    return { $type: 'app.bsky.embed.images', images };
  }

  /** The images, the quoted post, or both (a quote with media). */
  async function embedOf(signedIn: SignedIn, variant: VariantToPublish): Promise<Pick<PostRecord, 'embed'>> {
    const images = await imagesEmbed(signedIn, variant.media);
    if (variant.quoteOf === undefined) return images ? { embed: images } : {};
    const quoted = await strongRef(signedIn, recordUri(variant.quoteOf), 'the quoted post');
    if (!images) return { embed: { $type: 'app.bsky.embed.record', record: quoted } };
    return { embed: { $type: 'app.bsky.embed.recordWithMedia', record: { record: quoted }, media: images } };
  }

  /** The record's current version; a record that is not there is refused for good, not retried. */
  async function strongRef(signedIn: SignedIn, uri: string, what = 'the post replied to'): Promise<StrongRef> {
    const at = new AtUri(uri);
    try {
      const found = await signedIn.agent.com.atproto.repo.getRecord({
        repo: at.host,
        collection: at.collection,
        rkey: at.rkey,
      });
      return { uri: found.data.uri, cid: found.data.cid ?? '' };
    } catch (error) {
      if (isRecordNotFound(error)) {
        throw ApplicationFailure.create({
          type: ErrorType.ContentRefused,
          message: `${what} ${uri} does not exist on Bluesky`,
          nonRetryable: true,
        });
      }
      throw error;
    }
  }

  return {
    name: BLUESKY_CONNECTOR,

    async publish(variant: VariantToPublish, idempotencyKey: string): Promise<Publication> {
      const account = await requireAccount(variant.accountId);
      const fixedAt = keyTime(variant.keyFixedAt);
      const rkey = recordKeyFor({ idempotencyKey, fixedAt });
      return asAccount(account, async (signedIn) => {
        const written = await writeOnce(signedIn, rkey, async () => ({
          $type: POST_COLLECTION,
          ...(await withFacets(signedIn, variant.text)),
          ...(variant.languages && variant.languages.length > 0 ? { langs: variant.languages } : {}),
          ...(await embedOf(signedIn, variant)),
          createdAt: fixedAt,
        }));
        return {
          accountId: account.id,
          platform: variant.platform,
          externalId: written.uri,
          url: postUrl(signedIn.handle, written.uri),
          publishedAt: written.createdAt,
        };
      });
    },

    async findPublication(idempotencyKey, about) {
      // Without the time the key was fixed at, the record key cannot be rebuilt from the key alone.
      if (!about?.keyFixedAt) return undefined;
      const account = await requireAccount(about.accountId);
      const rkey = recordKeyFor({ idempotencyKey, fixedAt: about.keyFixedAt });
      return asAccount(account, async (signedIn) => {
        const found = await existingRecord(signedIn, rkey);
        if (!found) return undefined;
        return {
          accountId: account.id,
          platform: account.platform,
          externalId: found.uri,
          url: postUrl(signedIn.handle, found.uri),
          publishedAt: found.value.createdAt,
        };
      });
    },

    async fetchMetrics(publication): Promise<MetricCounts> {
      const account = await requireAccount(publication.accountId);
      return asAccount(account, async (signedIn) => {
        const answer = await signedIn.agent.app.bsky.feed.getPosts({ uris: [publication.externalId] });
        const post = answer.data.posts[0];
        if (!post) {
          throw ApplicationFailure.create({
            type: ErrorType.PublicationNotFound,
            message: `Bluesky has no post ${publication.externalId}`,
            nonRetryable: true,
          });
        }
        // Bluesky counts no impressions, reach, saves or clicks; quotes are shares with a comment.
        return {
          impressions: 0,
          reach: 0,
          likes: post.likeCount ?? 0,
          comments: post.replyCount ?? 0,
          shares: (post.repostCount ?? 0) + (post.quoteCount ?? 0),
          saves: 0,
          clicks: 0,
        };
      });
    },

    async sendReply(reply) {
      const account = await requireAccount(reply.accountId);
      const fixedAt = keyTime(reply.keyFixedAt);
      const rkey = recordKeyFor({ idempotencyKey: reply.idempotencyKey, fixedAt });
      return asAccount(account, async (signedIn) => {
        const written = await writeOnce(signedIn, rkey, async () => {
          const root = await strongRef(signedIn, recordUri(reply.threadExternalId));
          const parent = reply.inReplyToExternalId
            ? await strongRef(signedIn, recordUri(reply.inReplyToExternalId))
            : root;
          return {
            $type: POST_COLLECTION,
            ...(await withFacets(signedIn, reply.text)),
            createdAt: fixedAt,
            reply: { root, parent },
          };
        });
        // Written as the poller writes message ids, so the reply's echo is recognised as ours.
        return { externalId: idOfUri(written.uri), sentAt: written.createdAt };
      });
    },

    async newNotifications(accountId, cursor) {
      const account = await requireAccount(accountId);
      return asAccount(account, async (signedIn) => {
        const unread: Notification[] = [];
        let page: string | undefined;
        for (let pages = 0; pages < NOTIFICATION_PAGES_PER_READ; pages += 1) {
          const answer = await signedIn.agent.app.bsky.notification.listNotifications({
            limit: NOTIFICATION_PAGE_SIZE,
            ...(page ? { cursor: page } : {}),
          });
          const { notifications } = answer.data;
          const fresh = notifications.filter((notification) => !readBefore(notification, cursor));
          unread.push(...fresh);
          page = answer.data.cursor;
          if (!page || notifications.length === 0 || fresh.length < notifications.length) break;
        }
        const wanted = unread.filter((n) => (CONVERSATION_REASONS as readonly string[]).includes(n.reason));
        wanted.sort((a, b) => Date.parse(a.indexedAt) - Date.parse(b.indexedAt));
        return { notifications: wanted, cursor: cursorAfter(cursor, unread) };
      });
    },

    async validate(variant: VariantToPublish): Promise<QualityIssue[]> {
      const about = { accountId: variant.accountId, platform: variant.platform };
      const account = await accounts.findById(variant.accountId);
      if (!account) {
        return [{ ...about, code: 'account_not_found', message: `account ${variant.accountId} does not exist` }];
      }
      const health = await credentials.health(account.id);
      if (!health) {
        return [
          { ...about, code: 'credentials_missing', message: `no Bluesky credentials are set for ${account.handle}` },
        ];
      }
      if (health.needsReauthentication) {
        return [
          {
            ...about,
            code: 'account_needs_reauthentication',
            message: `Bluesky account ${account.handle} needs re-authentication: ${health.lastError ?? 'credentials refused'}`,
          },
        ];
      }
      return [];
    },
  };
}
