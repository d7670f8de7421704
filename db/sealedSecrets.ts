/**
 * Secrets kept encrypted at rest with AES-256-GCM under a key from the configuration. Each one is
 * bound to what it belongs to (the associated data), so a sealed value copied onto another
 * account's row does not open there. Stored as `v1.<iv>.<tag>.<ciphertext>`, each part base64url.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

/** A sealed secret that does not open with the configured key: the key is wrong, or the row was altered. */
export class SealedSecretUnreadableError extends Error {
  constructor(what: string) {
    super(
      `${what} cannot be decrypted with the configured INBOUND_SECRET_KEY (wrong key, or the stored value was altered)`,
    );
    this.name = 'SealedSecretUnreadableError';
    // One line wherever it is logged: the stack says nothing an operator can act on.
    this.stack = `${this.name}: ${this.message}`;
  }
}

export function sealSecret({ key, secret, boundTo }: { key: Buffer; secret: string; boundTo: string }): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(boundTo, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return [VERSION, iv, cipher.getAuthTag(), ciphertext]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

/** The secret a sealed value holds; throws SealedSecretUnreadableError when it does not open. */
export function openSecret({
  key,
  sealed,
  boundTo,
  what = `The inbound secret of ${boundTo}`,
}: {
  key: Buffer;
  sealed: string;
  boundTo: string;
  /** How an unreadable secret is named in the error. */
  what?: string;
}): string {
  const [version, iv, tag, ciphertext, ...rest] = sealed.split('.');
  const unreadable = new SealedSecretUnreadableError(what);
  if (version !== VERSION || rest.length > 0 || iv === undefined || tag === undefined || ciphertext === undefined) {
    throw unreadable;
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
    decipher.setAAD(Buffer.from(boundTo, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw unreadable;
  }
}
