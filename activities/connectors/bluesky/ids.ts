/**
 * How a Bluesky record's at:// URI becomes a conversation or message id. Ids live in workflow ids
 * (`thread:<accountId>:<threadId>`) and in the API's paths, which take letters, digits and
 * `. _ : @ -` only. The URI `at://did:plc:abc/app.bsky.feed.post/3kxyz` is written
 * `did:plc:abc@app.bsky.feed.post@3kxyz`: `/` becomes `@`, which no DID, collection or record
 * key contains, so the id reads like the URI and turns back into it. A URI with any other
 * character (a did:web with an escaped port, a record key with `~`) is written `at64.` followed
 * by the URI in base64url, which also turns back.
 */
const PLAIN_PART = /^[A-Za-z0-9._:-]+$/;
const AT_PREFIX = 'at://';
const BASE64_PREFIX = 'at64.';

export class NotABlueskyIdError extends Error {}

export function idOfUri(uri: string): string {
  if (!uri.startsWith(AT_PREFIX)) throw new NotABlueskyIdError(`not an at:// URI: ${uri}`);
  const parts = uri.slice(AT_PREFIX.length).split('/');
  if (parts.length === 3 && parts.every((part) => PLAIN_PART.test(part))) return parts.join('@');
  return BASE64_PREFIX + Buffer.from(uri, 'utf8').toString('base64url');
}

/** The URI an id stands for; an at:// URI given as it is is taken as it is. */
export function uriOfId(id: string): string {
  if (id.startsWith(AT_PREFIX)) return id;
  if (id.startsWith(BASE64_PREFIX)) {
    const uri = Buffer.from(id.slice(BASE64_PREFIX.length), 'base64url').toString('utf8');
    if (uri.startsWith(AT_PREFIX)) return uri;
  } else {
    const parts = id.split('@');
    if (parts.length === 3 && parts.every((part) => PLAIN_PART.test(part))) return AT_PREFIX + parts.join('/');
  }
  throw new NotABlueskyIdError(`not a Bluesky record id: ${id}`);
}
