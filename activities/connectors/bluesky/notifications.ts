/**
 * Replies, mentions and quotes of the brand's account, read from its notifications newest first
 * down to where the last read stopped (the cursor), and turned into inbound events: the
 * conversation is the root of the Bluesky thread, the message id the notification's record URI
 * (both written as ids, see ids.ts), so reading a notification twice records it once.
 */
import type { AppBskyNotificationListNotifications } from '@atproto/api';
import type { NotificationCursor } from '../../../db/blueskyInboundCursors';
import type { InboundEvent } from '../inboundDelivery';
import { idOfUri } from './ids';

export type Notification = AppBskyNotificationListNotifications.Notification;

/** The notification reasons that are someone talking to or about the brand. */
export const CONVERSATION_REASONS = ['reply', 'mention', 'quote'] as const;

/** Whether the notification is one the cursor has already passed. */
export function readBefore(notification: Notification, cursor: NotificationCursor | undefined): boolean {
  if (!cursor) return false;
  const at = Date.parse(notification.indexedAt);
  const last = Date.parse(cursor.indexedAt);
  return at < last || (at === last && cursor.urisAtIndexedAt.includes(notification.uri));
}

/** The cursor once `read` (newest first or not) has been handed over after `cursor`. */
export function cursorAfter(
  cursor: NotificationCursor | undefined,
  read: Notification[],
): NotificationCursor | undefined {
  let next = cursor;
  for (const notification of read) {
    const at = Date.parse(notification.indexedAt);
    const last = next ? Date.parse(next.indexedAt) : -Infinity;
    if (at > last) next = { indexedAt: notification.indexedAt, urisAtIndexedAt: [notification.uri] };
    else if (at === last && next && !next.urisAtIndexedAt.includes(notification.uri)) {
      next = { ...next, urisAtIndexedAt: [...next.urisAtIndexedAt, notification.uri] };
    }
  }
  return next;
}

interface PostRecordView {
  text?: unknown;
  createdAt?: unknown;
  reply?: { root?: { uri?: unknown }; parent?: { uri?: unknown } };
}

const uriOr = (value: unknown, fallback: string): string =>
  typeof value === 'string' && value.startsWith('at://') ? value : fallback;

/**
 * The inbound event a reply, mention or quote notification stands for; undefined for any other
 * notification (likes, follows, reposts).
 */
export function eventOfNotification(notification: Notification): InboundEvent | undefined {
  if (!(CONVERSATION_REASONS as readonly string[]).includes(notification.reason)) return undefined;
  const record = notification.record as PostRecordView;
  const root = uriOr(record.reply?.root?.uri, notification.uri);
  const parent = record.reply?.parent?.uri;
  const author = notification.author;
  return {
    threadId: idOfUri(root),
    messageId: idOfUri(notification.uri),
    kind: notification.reason === 'reply' ? 'comment' : 'mention',
    author: {
      id: author.did,
      handle: author.handle,
      ...(author.displayName ? { name: author.displayName } : {}),
    },
    text: typeof record.text === 'string' ? record.text : '',
    sentAt: typeof record.createdAt === 'string' ? record.createdAt : notification.indexedAt,
    ...(typeof parent === 'string' && parent.startsWith('at://') ? { inReplyTo: idOfUri(parent) } : {}),
    ...(notification.reasonSubject?.startsWith('at://') ? { postExternalId: idOfUri(notification.reasonSubject) } : {}),
  };
}
