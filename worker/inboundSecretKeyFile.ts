/**
 * `npm start`'s key for inbound webhook secrets when INBOUND_SECRET_KEY is not set: made at the
 * first start and kept beside the embedded Postgres's password, readable by its owner only, so
 * the secrets stored at one start still open at the next.
 */
import fs from 'node:fs';
import { INBOUND_SECRET_KEY_PROBLEM, newInboundSecretKey, parseInboundSecretKey } from '../config/inboundSecretKey';
import { writeOwnerOnlyFile } from '../db/embeddedPostgresPassword';

export const INBOUND_SECRET_KEY_FILE_NAME = 'inbound-secret-key';

export function readOrCreateInboundSecretKey(file: string): Buffer {
  if (fs.existsSync(file)) {
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, 0o600);
    const key = parseInboundSecretKey(fs.readFileSync(file, 'utf8'));
    // Replacing it would lock out every secret it sealed; a person has to decide.
    if (!key) throw new Error(`${file} does not hold a valid inbound secret key: ${INBOUND_SECRET_KEY_PROBLEM}`);
    return key;
  }
  const text = newInboundSecretKey();
  writeOwnerOnlyFile(file, `${text}\n`);
  return parseInboundSecretKey(text)!;
}
