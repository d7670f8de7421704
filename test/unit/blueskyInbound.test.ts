import { idOfUri, NotABlueskyIdError, uriOfId } from '../../activities/connectors/bluesky/ids';
import {
  cursorAfter,
  eventOfNotification,
  readBefore,
  type Notification,
} from '../../activities/connectors/bluesky/notifications';
import { Identifier } from '../../api/schemas/common';
import { nextPollDelayMs, POLL_INTERVALS } from '../../workflows/blueskyInbound/pollingDelay';

const POST = 'at://did:plc:ewvi7nxzyoun6zhxrhs64oiz/app.bsky.feed.post/3l3qo2vuowo2b';

function notification(overrides: Partial<Notification> = {}): Notification {
  return {
    uri: POST,
    cid: 'bafyreid',
    author: { did: 'did:plc:alice', handle: 'alice.test', displayName: 'Alice' },
    reason: 'mention',
    record: { text: 'hello', createdAt: '2026-12-01T10:00:00.000Z' },
    isRead: false,
    indexedAt: '2026-12-01T10:00:01.000Z',
    ...overrides,
  };
}

describe('Bluesky ids', () => {
  it('writes an at:// URI as a readable id the API and workflow ids accept, and reads it back', () => {
    const id = idOfUri(POST);
    expect(id).toBe('did:plc:ewvi7nxzyoun6zhxrhs64oiz@app.bsky.feed.post@3l3qo2vuowo2b');
    expect(Identifier.safeParse(id).success).toBe(true);
    expect(uriOfId(id)).toBe(POST);
  });

  it.each([
    'at://did:web:localhost%3A2583/app.bsky.feed.post/3l3qo2vuowo2b',
    'at://did:plc:abc/app.bsky.feed.post/self~key',
    'at://did:plc:abc/app.bsky.feed.post',
  ])('falls back to base64url for %s, still accepted and reversible', (uri) => {
    const id = idOfUri(uri);
    expect(id.startsWith('at64.')).toBe(true);
    expect(Identifier.safeParse(id).success).toBe(true);
    expect(uriOfId(id)).toBe(uri);
  });

  it('takes an at:// URI given as it is, and refuses what is neither', () => {
    expect(uriOfId(POST)).toBe(POST);
    expect(() => uriOfId('conversation-1')).toThrow(NotABlueskyIdError);
    expect(() => uriOfId('at64.' + Buffer.from('https://x').toString('base64url'))).toThrow(NotABlueskyIdError);
    expect(() => idOfUri('https://bsky.app/profile/x')).toThrow(NotABlueskyIdError);
  });
});

describe('Bluesky notifications as inbound events', () => {
  it('puts a reply in the conversation of its thread root, replying to its parent', () => {
    const root = 'at://did:plc:brand/app.bsky.feed.post/3root';
    const parent = 'at://did:plc:bob/app.bsky.feed.post/3parent';
    const event = eventOfNotification(
      notification({
        reason: 'reply',
        reasonSubject: parent,
        record: {
          text: 'me too',
          createdAt: '2026-12-01T10:00:00.000Z',
          reply: { root: { uri: root }, parent: { uri: parent } },
        },
      }),
    );
    expect(event).toEqual({
      threadId: idOfUri(root),
      messageId: idOfUri(POST),
      kind: 'comment',
      author: { id: 'did:plc:alice', handle: 'alice.test', name: 'Alice' },
      text: 'me too',
      sentAt: '2026-12-01T10:00:00.000Z',
      inReplyTo: idOfUri(parent),
      postExternalId: idOfUri(parent),
    });
  });

  it('makes a post that mentions or quotes the brand the root of its own conversation', () => {
    expect(eventOfNotification(notification())).toMatchObject({ threadId: idOfUri(POST), kind: 'mention' });
    expect(eventOfNotification(notification({ reason: 'quote' }))).toMatchObject({ threadId: idOfUri(POST) });
  });

  it('leaves likes, reposts and follows out', () => {
    for (const reason of ['like', 'repost', 'follow'])
      expect(eventOfNotification(notification({ reason }))).toBeUndefined();
  });

  it('uses the indexing time when the record carries no creation time', () => {
    expect(eventOfNotification(notification({ record: { text: 'hi' } }))?.sentAt).toBe('2026-12-01T10:00:01.000Z');
  });
});

describe('the notification cursor', () => {
  const first = notification({ uri: `${POST}1`, indexedAt: '2026-12-01T10:00:01.000Z' });
  const sameInstant = notification({ uri: `${POST}2`, indexedAt: '2026-12-01T10:00:01.000Z' });
  const later = notification({ uri: `${POST}3`, indexedAt: '2026-12-01T10:00:02.000Z' });

  it('moves to the newest notification read and keeps every one read at that instant', () => {
    expect(cursorAfter(undefined, [first, sameInstant])).toEqual({
      indexedAt: first.indexedAt,
      urisAtIndexedAt: [first.uri, sameInstant.uri],
    });
    expect(cursorAfter(cursorAfter(undefined, [first]), [later, sameInstant])).toEqual({
      indexedAt: later.indexedAt,
      urisAtIndexedAt: [later.uri],
    });
    expect(cursorAfter(undefined, [])).toBeUndefined();
  });

  it('counts as read what is older than the cursor or was read at its instant, not a newcomer at that instant', () => {
    const cursor = cursorAfter(undefined, [first]);
    expect(readBefore(first, cursor)).toBe(true);
    expect(readBefore(sameInstant, cursor)).toBe(false);
    expect(readBefore(later, cursor)).toBe(false);
    expect(readBefore(notification({ indexedAt: '2026-12-01T09:00:00.000Z' }), cursor)).toBe(true);
    expect(readBefore(first, undefined)).toBe(false);
  });
});

describe('the polling interval', () => {
  it('reads soon after messages arrived and doubles while nothing does, up to its cap', () => {
    expect(nextPollDelayMs({ quietPolls: 0, failedPolls: 0 })).toBe(POLL_INTERVALS.activeMs);
    expect(nextPollDelayMs({ quietPolls: 1, failedPolls: 0 })).toBe(2 * POLL_INTERVALS.activeMs);
    expect(nextPollDelayMs({ quietPolls: 3, failedPolls: 0 })).toBe(8 * POLL_INTERVALS.activeMs);
    expect(nextPollDelayMs({ quietPolls: 50, failedPolls: 0 })).toBe(POLL_INTERVALS.quietCapMs);
  });

  it('backs off further while reads fail, up to a longer cap', () => {
    expect(nextPollDelayMs({ quietPolls: 0, failedPolls: 6 })).toBe(
      Math.min(64 * POLL_INTERVALS.activeMs, POLL_INTERVALS.failingCapMs),
    );
    expect(nextPollDelayMs({ quietPolls: 0, failedPolls: 1000 })).toBe(POLL_INTERVALS.failingCapMs);
  });
});
