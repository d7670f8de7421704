/**
 * The embedded server's superuser password: random, made on first start and kept in a file only
 * the owner may read, so that no other local user can log in to the server, which listens on
 * the loopback interface.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

/** What data directories initialised before passwords were generated were set up with. */
export const LEGACY_PASSWORD = 'socialops';

const OWNER_ONLY = 0o600;

export function newPassword(): string {
  return randomBytes(24).toString('base64url');
}

/**
 * Writes `content` to `file` readable by its owner only. The file appears whole or not at all,
 * and its mode is set before the content is written, so the secret is never readable by others.
 */
export function writeOwnerOnlyFile(file: string, content: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  const fd = fs.openSync(temporary, 'w', OWNER_ONLY);
  try {
    fs.fchmodSync(fd, OWNER_ONLY);
    fs.writeFileSync(fd, content);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(temporary, file);
}

/** The password kept in `file`, created there first if there is none yet. */
export function readOrCreatePassword(file: string): string {
  if (fs.existsSync(file)) {
    // Tightens a file whose mode was loosened by hand or by a copy.
    if ((fs.statSync(file).mode & 0o077) !== 0) fs.chmodSync(file, OWNER_ONLY);
    const password = fs.readFileSync(file, 'utf8').trim();
    if (password.length > 0) return password;
  }
  const password = newPassword();
  writeOwnerOnlyFile(file, `${password}\n`);
  return password;
}

function isAuthenticationFailure(error: unknown): boolean {
  // invalid_password; a server without the role answers invalid_authorization_specification.
  const code = (error as { code?: unknown }).code;
  return code === '28P01' || code === '28000';
}

async function tryConnect(connection: pg.ClientConfig): Promise<pg.Client | undefined> {
  const client = new pg.Client(connection);
  try {
    await client.connect();
    return client;
  } catch (error) {
    await client.end().catch(() => undefined);
    if (isAuthenticationFailure(error)) return undefined;
    throw error;
  }
}

/**
 * Makes the running server accept `password`. A data directory set up with the old fixed
 * password gets the new one; whichever order a crash interrupts writing the file and changing
 * the password in, the next start finishes the change.
 */
export async function adoptPassword(connection: Omit<pg.ClientConfig, 'password'>, password: string): Promise<void> {
  const current = await tryConnect({ ...connection, password });
  if (current) {
    await current.end();
    return;
  }
  const legacy = await tryConnect({ ...connection, password: LEGACY_PASSWORD });
  if (!legacy) {
    throw new Error('the embedded PostgreSQL does not accept the password in its password file');
  }
  try {
    await legacy.query(
      `ALTER ROLE ${legacy.escapeIdentifier(String(connection.user))} PASSWORD ${legacy.escapeLiteral(password)}`,
    );
  } finally {
    await legacy.end();
  }
}
