/**
 * Connecting an account to Bluesky through the API: only an admin sets the credentials, the app
 * password is stored sealed and never answered or logged, and the account's health is readable.
 */
import { Writable } from 'node:stream';
import type { Knex } from 'knex';
import { createLogger } from '../../config/logger';
import { createAccountCredentialStore } from '../../db/accountCredentials';
import { createTestKnex, insertBrandFixture, type BrandFixture } from '../helpers/db';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';
import { call, startApi, unreachableTemporal, type RunningApi } from './http';

const APP_PASSWORD = 'abcd-efgh-ijkl-mnop';

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;
let fixture: BrandFixture;
const logged: string[] = [];

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      logged.push(chunk.toString('utf8'));
      done();
    },
  });
  api = await startApi({
    db,
    temporal: temporal.client,
    taskQueue: 'account-credentials',
    logger: createLogger('debug', destination),
  });
});

beforeEach(async () => {
  fixture = await insertBrandFixture(db, { platforms: ['bluesky', 'x'] });
});

afterAll(async () => {
  await api?.close();
  await closeTemporal?.();
  await db?.destroy();
});

const bluesky = () => fixture.accounts[0];
const credentials = { handle: 'brand.bsky.social', serviceUrl: 'https://pds.example.test', appPassword: APP_PASSWORD };

it('connects a Bluesky account for an admin, keeps the app password sealed and never answers it', async () => {
  const set = await call(api, 'PUT', `/v1/accounts/${bluesky().id}/bluesky-credentials`, {
    key: fixture.users.admin.apiKey,
    body: credentials,
  });
  const read = await call(api, 'GET', `/v1/accounts/${bluesky().id}`, { key: fixture.users.manager.apiKey });

  expect(set.status).toBe(200);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({
    id: bluesky().id,
    connector: 'bluesky',
    credentials: { login: 'brand.bsky.social', serviceUrl: 'https://pds.example.test' },
    health: { lastSuccessAt: null, lastError: null, needsReauthentication: false },
  });
  expect(JSON.stringify([set.body, read.body])).not.toContain(APP_PASSWORD);
  const row = await db('account_credentials').where({ account_id: bluesky().id }).first();
  expect(JSON.stringify(row)).not.toContain(APP_PASSWORD);
  const opened = await createAccountCredentialStore(db, { key: TEST_INBOUND_SECRET_KEY }).open(bluesky().id);
  expect(opened?.password).toBe(APP_PASSWORD);
  expect(logged.join('')).not.toContain(APP_PASSWORD);
});

it('shows an account without credentials on the sandbox with no health', async () => {
  const read = await call(api, 'GET', `/v1/accounts/${bluesky().id}`, { key: fixture.users.admin.apiKey });
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ connector: 'sandbox', credentials: null, health: null });
});

it('clears a needed re-authentication when new credentials are set', async () => {
  const store = createAccountCredentialStore(db, { key: TEST_INBOUND_SECRET_KEY });
  await store.set({
    accountId: bluesky().id,
    login: 'brand.bsky.social',
    serviceUrl: 'https://x.test',
    password: 'old',
    now: new Date(),
  });
  await store.recordError({ accountId: bluesky().id, at: new Date(), error: 'refused', needsReauthentication: true });

  const set = await call(api, 'PUT', `/v1/accounts/${bluesky().id}/bluesky-credentials`, {
    key: fixture.users.admin.apiKey,
    body: credentials,
  });

  expect(set.body).toMatchObject({ health: { needsReauthentication: false, lastError: null } });
});

it('lets only an admin set credentials, and only on a Bluesky account', async () => {
  const asManager = await call(api, 'PUT', `/v1/accounts/${bluesky().id}/bluesky-credentials`, {
    key: fixture.users.manager.apiKey,
    body: credentials,
  });
  const onX = await call(api, 'PUT', `/v1/accounts/${fixture.accounts[1].id}/bluesky-credentials`, {
    key: fixture.users.admin.apiKey,
    body: credentials,
  });
  const agentReads = await call(api, 'GET', `/v1/accounts/${bluesky().id}`, { key: fixture.users.agent.apiKey });

  expect(asManager.status).toBe(403);
  expect(onX.status).toBe(409);
  expect(agentReads.status).toBe(403);
  expect(await db('account_credentials').whereIn('account_id', [bluesky().id, fixture.accounts[1].id])).toEqual([]);
});

it('refuses a service URL that is not http(s) naming the field', async () => {
  const response = await call(api, 'PUT', `/v1/accounts/${bluesky().id}/bluesky-credentials`, {
    key: fixture.users.admin.apiKey,
    body: { ...credentials, serviceUrl: 'file:///etc/passwd' },
  });
  expect(response.status).toBe(400);
  expect(JSON.stringify(response.body)).toContain('serviceUrl');
});
