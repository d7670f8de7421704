/**
 * The key inbound secrets are encrypted with: read strictly from INBOUND_SECRET_KEY, refused in one
 * line without echoing it, and made once into the data directory by `npm start` when unset.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConfigError, loadConfig } from '../../config';
import { parseInboundSecretKey } from '../../config/inboundSecretKey';
import { openSecret, sealSecret, SealedSecretUnreadableError } from '../../db/sealedSecrets';
import { readOrCreateInboundSecretKey } from '../../worker/inboundSecretKeyFile';

const bytes = randomBytes(32);

describe('INBOUND_SECRET_KEY', () => {
  it.each([
    ['hex', bytes.toString('hex')],
    ['upper-case hex', bytes.toString('hex').toUpperCase()],
    ['base64', bytes.toString('base64')],
    ['base64url', bytes.toString('base64url')],
  ])('reads 32 bytes written as %s', (_label, text) => {
    expect(parseInboundSecretKey(text)).toEqual(bytes);
    expect(loadConfig({ INBOUND_SECRET_KEY: text }).inboundSecretKey).toEqual(bytes);
  });

  it('is optional for the configuration as a whole', () => {
    expect(loadConfig({}).inboundSecretKey).toBeUndefined();
  });

  it.each([
    ['a password', 'correct horse battery staple'],
    ['16 bytes in hex', randomBytes(16).toString('hex')],
    ['31 bytes in base64', randomBytes(31).toString('base64')],
    ['33 bytes in base64', randomBytes(33).toString('base64')],
    ['hex with a stray character', `${bytes.toString('hex').slice(0, 63)}g`],
  ])('refuses %s in one line that does not show the value', (_label, text) => {
    let failure: unknown;
    try {
      loadConfig({ INBOUND_SECRET_KEY: text });
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(ConfigError);
    const [issue] = (failure as ConfigError).issues;
    expect(issue.variable).toBe('INBOUND_SECRET_KEY');
    expect(issue.problem).toMatch(/32 random bytes.*\(value not shown\)$/);
    expect(issue.problem).not.toContain('\n');
    expect((failure as ConfigError).message).not.toContain(text);
  });
});

describe('INBOUND_RATE_LIMIT_PER_MINUTE', () => {
  it('defaults to a budget above a thousand events a second, and takes 0 for no limit', () => {
    expect(loadConfig({}).inboundRateLimitPerMinute).toBeGreaterThanOrEqual(60_000);
    expect(loadConfig({ INBOUND_RATE_LIMIT_PER_MINUTE: '0' }).inboundRateLimitPerMinute).toBe(0);
    expect(() => loadConfig({ INBOUND_RATE_LIMIT_PER_MINUTE: 'lots' })).toThrow(/INBOUND_RATE_LIMIT_PER_MINUTE/);
  });
});

describe("npm start's key file", () => {
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-inbound-key-'));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('is made at the first start, readable by its owner only, and read back at the next', () => {
    const file = path.join(dir, 'inbound-secret-key');
    const first = readOrCreateInboundSecretKey(file);
    expect(first).toHaveLength(32);
    expect(fs.statSync(file).mode & 0o777).toBe(0o600);
    expect(readOrCreateInboundSecretKey(file)).toEqual(first);
  });

  it('is never replaced when it holds something else, since that would lock out every stored secret', () => {
    const file = path.join(dir, 'inbound-secret-key');
    fs.writeFileSync(file, 'not a key\n', { mode: 0o600 });
    expect(() => readOrCreateInboundSecretKey(file)).toThrow(/does not hold a valid inbound secret key/);
    expect(fs.readFileSync(file, 'utf8')).toBe('not a key\n');
  });
});

describe('sealed secrets', () => {
  it('open with the key and binding they were sealed with, and with nothing else', () => {
    const sealed = sealSecret({ key: bytes, secret: 's3cret', boundTo: 'account a' });
    expect(openSecret({ key: bytes, sealed, boundTo: 'account a' })).toBe('s3cret');
    expect(() => openSecret({ key: randomBytes(32), sealed, boundTo: 'account a' })).toThrow(
      SealedSecretUnreadableError,
    );
    expect(() => openSecret({ key: bytes, sealed, boundTo: 'account b' })).toThrow(SealedSecretUnreadableError);
    const [version, iv, tag, ciphertext] = sealed.split('.');
    const flipped = Buffer.from(ciphertext, 'base64url');
    flipped[0] ^= 1;
    expect(() =>
      openSecret({
        key: bytes,
        sealed: [version, iv, tag, flipped.toString('base64url')].join('.'),
        boundTo: 'account a',
      }),
    ).toThrow(SealedSecretUnreadableError);
    expect(() => openSecret({ key: bytes, sealed: 's3cret', boundTo: 'account a' })).toThrow(
      SealedSecretUnreadableError,
    );
  });

  it('differ each time the same secret is sealed', () => {
    const once = sealSecret({ key: bytes, secret: 's3cret', boundTo: 'account a' });
    expect(sealSecret({ key: bytes, secret: 's3cret', boundTo: 'account a' })).not.toBe(once);
  });
});
