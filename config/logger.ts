/**
 * The processes' logger. Whatever carries a secret under a known name is redacted wherever it
 * appears in a log entry, so a future log line that includes an object holding one (an inbound
 * secret, the key that encrypts them, a platform password or token, a request's credentials) cannot leak it.
 */
import pino, { type Logger } from 'pino';
import type { LogLevel } from './index';

export const REDACTED_LOG_PATHS = [
  'secret',
  '*.secret',
  'sealed_secret',
  '*.sealed_secret',
  'inboundSecretKey',
  '*.inboundSecretKey',
  'appPassword',
  '*.appPassword',
  'password',
  '*.password',
  'sealed_password',
  '*.sealed_password',
  'accessJwt',
  '*.accessJwt',
  'refreshJwt',
  '*.refreshJwt',
  'notifyWebhookSecret',
  '*.notifyWebhookSecret',
  'headers.authorization',
  '*.headers.authorization',
  'headers["x-socialops-signature"]',
  '*.headers["x-socialops-signature"]',
];

export function createLogger(level: LogLevel, destination?: pino.DestinationStream): Logger {
  const options = { level, redact: { paths: REDACTED_LOG_PATHS } };
  return destination ? pino(options, destination) : pino(options);
}
