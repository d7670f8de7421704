/**
 * Signed inbound webhooks: the platform (or our connector's relay) signs the raw body with the
 * account's inbound secret, as `X-Socialops-Signature: sha256=<hex>`, the same scheme our own
 * outbound notifications use.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const INBOUND_SIGNATURE_HEADER = 'X-Socialops-Signature';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

export function signInboundBody(body: Buffer | string, secret: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** True when the header carries a signature of the body made with one of the secrets. */
export function inboundSignatureValid({
  body,
  header,
  secrets,
}: {
  body: Buffer;
  header: string | undefined;
  secrets: string[];
}): boolean {
  const match = header ? SIGNATURE.exec(header.trim()) : null;
  if (!match) return false;
  const offered = Buffer.from(match[1].toLowerCase(), 'hex');
  return secrets.some((secret) => timingSafeEqual(createHmac('sha256', secret).update(body).digest(), offered));
}

/** The bytes the signature covers, kept by the JSON parser for the inbound routes only. */
export interface RawBodyRequest extends IncomingMessage {
  rawBody?: Buffer;
}

export const INBOUND_PATH_PREFIX = '/v1/inbound/';

export function keepRawInboundBody(req: RawBodyRequest, _res: unknown, body: Buffer): void {
  if (req.url?.startsWith(INBOUND_PATH_PREFIX)) req.rawBody = body;
}
