/**
 * The key inbound webhook secrets are encrypted with at rest (AES-256-GCM): 32 random bytes,
 * written as 64 hex digits or as base64. Read strictly, since a key that decodes to some other
 * length is a copy-paste accident, never a choice.
 */
import { randomBytes } from 'node:crypto';

export const INBOUND_SECRET_KEY_BYTES = 32;

export const INBOUND_SECRET_KEY_PROBLEM =
  'expected 32 random bytes as 64 hex digits or as base64 (for example the output of `openssl rand -base64 32`)';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;

/** The key's bytes, or undefined when the text is not 32 bytes in hex or base64. */
export function parseInboundSecretKey(text: string): Buffer | undefined {
  const value = text.trim();
  if (HEX_KEY.test(value)) return Buffer.from(value, 'hex');
  if (!BASE64_KEY.test(value)) return undefined;
  const bytes = Buffer.from(value.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  return bytes.length === INBOUND_SECRET_KEY_BYTES ? bytes : undefined;
}

/** A new key, written as base64. */
export function newInboundSecretKey(): string {
  return randomBytes(INBOUND_SECRET_KEY_BYTES).toString('base64');
}
