/**
 * Inbound webhook secrets at rest: stored encrypted under the configured key, older plain rows
 * sealed when first read, rotation's grace period intact, and a server with the wrong key
 * answering 503 with one log line instead of failing with a stack trace.
 *
 * Temporal is unreachable here on purpose: a delivery whose signature is accepted goes on to
 * Temporal and gets 503 (dependency temporal), one whose signature is refused gets 401, so the
 * status tells which secrets verify without running a workflow.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { signInboundBody } from '../../api/inboundSignature';
import { createLogger } from '../../config/logger';
import { openSecret } from '../../db/sealedSecrets';
import { createTestKnex, insertBrandFixture, uniqueId, type BrandFixture } from '../helpers/db';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';
import { call, startApi, unreachableTemporal, type RunningApi } from './http';

let db: Knex;
let api: RunningApi;
let temporalClient: Awaited<ReturnType<typeof unreachableTemporal>>['client'];
let closeTemporal: () => Promise<void>;
let fixture: BrandFixture;
const started: RunningApi[] = [];

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  temporalClient = temporal.client;
  closeTemporal = temporal.close;
  api = await startApi({ db, temporal: temporalClient, taskQueue: 'inbound-secrets', temporalDeadlineMs: 500 });
  started.push(api);
});

beforeEach(async () => {
  fixture = await insertBrandFixture(db, { platforms: ['x'] });
});

afterAll(async () => {
  await Promise.all(started.map((running) => running.close()));
  await closeTemporal?.();
  await db?.destroy();
});

const accountId = () => fixture.accounts[0].id;

async function rotate(): Promise<{ secret: string; previousValidUntil: string | null }> {
  const response = await call(api, 'POST', `/v1/accounts/${accountId()}/inbound-secret`, {
    key: fixture.users.admin.apiKey,
    body: {},
  });
  expect(response.status).toBe(200);
  return response.body as { secret: string; previousValidUntil: string | null };
}

function deliver(signWith: string, target: RunningApi = api) {
  const rawBody = JSON.stringify({
    events: [
      {
        threadId: uniqueId('t'),
        messageId: uniqueId('m'),
        kind: 'dm',
        author: { id: 'cust-1', handle: '@cust' },
        text: 'Where is my order?',
        sentAt: '2027-03-01T08:00:00Z',
      },
    ],
  });
  return call(target, 'POST', `/v1/inbound/${accountId()}`, {
    rawBody,
    headers: { 'x-socialops-signature': signInboundBody(rawBody, signWith) },
  });
}

/** The signature was accepted: the delivery went on to Temporal, which is not there. */
async function expectAccepted(signWith: string, target: RunningApi = api): Promise<void> {
  const response = await deliver(signWith, target);
  expect(response.status).toBe(503);
  expect(response.body).toMatchObject({ dependency: 'temporal' });
}

async function expectRefused(signWith: string, target: RunningApi = api): Promise<void> {
  expect((await deliver(signWith, target)).status).toBe(401);
}

const storedRows = () =>
  db('account_inbound_secrets').where({ account_id: accountId() }).orderBy('id') as Promise<
    Array<{ secret: string | null; sealed_secret: string | null; valid_until: Date | null }>
  >;

describe('inbound secrets at rest', () => {
  it('stores the secret encrypted, never as it is, and verifies signatures made with it', async () => {
    const { secret } = await rotate();
    const [row] = await storedRows();
    expect(row.secret).toBeNull();
    expect(row.sealed_secret).not.toContain(secret);
    expect(row.sealed_secret).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(
      openSecret({ key: TEST_INBOUND_SECRET_KEY, sealed: row.sealed_secret!, boundTo: `account ${accountId()}` }),
    ).toBe(secret);
    await expectAccepted(secret);
    await expectRefused('not-the-secret');
  });

  it('seals a secret stored before encryption the first time it is read, and it keeps verifying', async () => {
    const plain = randomBytes(32).toString('base64url');
    await db('account_inbound_secrets').insert({ account_id: accountId(), secret: plain });
    await expectAccepted(plain);
    const [row] = await storedRows();
    expect(row.secret).toBeNull();
    expect(
      openSecret({ key: TEST_INBOUND_SECRET_KEY, sealed: row.sealed_secret!, boundTo: `account ${accountId()}` }),
    ).toBe(plain);
    await expectAccepted(plain);
  });

  it('seals every plain secret of the account on rotation, expired ones included', async () => {
    const expired = randomBytes(32).toString('base64url');
    await db('account_inbound_secrets').insert({
      account_id: accountId(),
      secret: expired,
      valid_until: new Date(Date.now() - 60_000).toISOString(),
    });
    await rotate();
    const rows = await storedRows();
    expect(rows).toHaveLength(2);
    expect(rows.map((row) => row.secret)).toEqual([null, null]);
    expect(
      openSecret({ key: TEST_INBOUND_SECRET_KEY, sealed: rows[0].sealed_secret!, boundTo: `account ${accountId()}` }),
    ).toBe(expired);
    await expectRefused(expired);
  });

  it('keeps the replaced secret verifying for its grace period after a rotation, and not after', async () => {
    const first = await rotate();
    const second = await rotate();
    expect(second.previousValidUntil).not.toBeNull();
    await expectAccepted(first.secret);
    await expectAccepted(second.secret);

    // The grace period ends: an API reading the secrets from then on (this one keeps what it read
    // for a few seconds, never past a grace period's end) refuses the replaced one.
    await db('account_inbound_secrets')
      .where({ account_id: accountId() })
      .whereNotNull('valid_until')
      .update({ valid_until: new Date(Date.now() - 1000).toISOString() });
    const later = await startApi({
      db,
      temporal: temporalClient,
      taskQueue: 'inbound-secrets',
      temporalDeadlineMs: 500,
    });
    started.push(later);
    await expectRefused(first.secret, later);
    await expectAccepted(second.secret, later);
  });

  it('verifies a secret issued a moment ago although the ones before it were just read', async () => {
    const first = await rotate();
    await expectAccepted(first.secret);
    const second = await rotate();
    await expectAccepted(second.secret);
    await expectAccepted(first.secret);
    await expectRefused('not-the-secret');
  });

  it('does not open a sealed secret moved onto another account', async () => {
    const { secret } = await rotate();
    const [row] = await storedRows();
    const owner = accountId();
    fixture = await insertBrandFixture(db, { platforms: ['x'] });
    await db('account_inbound_secrets').insert({ account_id: accountId(), sealed_secret: row.sealed_secret });
    const response = await deliver(secret);
    expect(response.status).toBe(503);
    expect(response.body).toMatchObject({ dependency: 'inbound_secret_key' });
    expect(owner).not.toBe(accountId());
  });

  it('answers 503 with one log line, no stack, when the server has the wrong key', async () => {
    const { secret } = await rotate();
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    const wrongKey = await startApi({
      db,
      temporal: temporalClient,
      taskQueue: 'inbound-secrets',
      temporalDeadlineMs: 500,
      inboundSecretKey: randomBytes(32),
      logger: createLogger('warn', sink),
    });
    started.push(wrongKey);

    const response = await deliver(secret, wrongKey);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).not.toBeNull();
    expect(response.body).toMatchObject({ error: 'service_unavailable', dependency: 'inbound_secret_key' });
    expect(response.text).not.toMatch(/\n\s+at /);
    expect(response.text).not.toContain(secret);

    const failure = lines.map((line) => JSON.parse(line) as { err?: { stack?: string } }).find((entry) => entry.err);
    expect(failure?.err?.stack).toMatch(/^SealedSecretUnreadableError: .*INBOUND_SECRET_KEY/);
    expect(failure?.err?.stack).not.toContain('\n');
    expect(lines.join('\n')).not.toContain(secret);
  });
});

describe('the logger', () => {
  it('redacts secrets, the key and credentials wherever they appear', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString('utf8'));
        done();
      },
    });
    const logger = createLogger('info', sink);
    logger.info(
      {
        secret: 'top-secret-1',
        rotated: { secret: 'top-secret-2', sealed_secret: 'v1.sealed' },
        config: { inboundSecretKey: 'key-bytes', notifyWebhookSecret: 'hook-secret' },
        req: { headers: { authorization: 'Bearer sok_abc', 'x-socialops-signature': 'sha256=00' } },
      },
      'something happened',
    );
    const logged = lines.join('');
    for (const leaked of [
      'top-secret-1',
      'top-secret-2',
      'v1.sealed',
      'key-bytes',
      'hook-secret',
      'sok_abc',
      'sha256=00',
    ]) {
      expect(logged).not.toContain(leaked);
    }
    expect(logged).toContain('something happened');
  });
});

test('a delivery for an account id no account can have is refused as unsigned, not looked up', async () => {
  // A NUL byte and a combining mark: Postgres refuses the NUL in a text parameter.
  for (const path of ['/v1/inbound/e%CC%81%00', '/v1/inbound/%00', `/v1/inbound/${'a'.repeat(201)}`]) {
    const response = await call(api, 'POST', path, {
      rawBody: '{}',
      headers: { 'x-socialops-signature': 'sha256=00' },
    });
    expect({ path, status: response.status }).toEqual({ path, status: 401 });
  }
});
