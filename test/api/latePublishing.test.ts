/**
 * A brand's late-publishing choice over HTTP: read by everyone who reads posts, set by managers
 * and admins, refused with the field named when it is wrong.
 */
import type { BrandFixture } from '../helpers/db';
import { call } from './http';
import { brand, startLiveApi, type LiveApi } from './liveApi';

let live: LiveApi;
let fixture: BrandFixture;

beforeAll(async () => {
  live = await startLiveApi();
  fixture = await brand(live);
});

afterAll(async () => {
  await live?.teardown();
});

const path = (): string => `/v1/brands/${fixture.brand.id}/late-publishing`;

it('publishes late posts at once until the brand says otherwise', async () => {
  const read = await call(live.api, 'GET', path(), { key: fixture.users.viewer.apiKey });
  expect(read.status).toBe(200);
  expect(read.body).toEqual({ brandId: fixture.brand.id, passedPublishTime: 'publish', toleranceMinutes: 5 });
});

it('keeps what a manager sets, with the default tolerance when none is given', async () => {
  const set = await call(live.api, 'PUT', path(), {
    key: fixture.users.manager.apiKey,
    body: { passedPublishTime: 'hold_for_review' },
  });
  expect(set.status).toBe(200);
  expect(set.body).toEqual({ brandId: fixture.brand.id, passedPublishTime: 'hold_for_review', toleranceMinutes: 5 });
  const changed = await call(live.api, 'PUT', path(), {
    key: fixture.users.manager.apiKey,
    body: { passedPublishTime: 'hold_for_review', toleranceMinutes: 120 },
  });
  expect(changed.body.toleranceMinutes).toBe(120);
  const read = await call(live.api, 'GET', path(), { key: fixture.users.author.apiKey });
  expect(read.body).toEqual(changed.body);
});

it('refuses a wrong choice or tolerance with 400 naming the field, and an author with 403', async () => {
  for (const [body, field] of [
    [{ passedPublishTime: 'later' }, 'passedPublishTime'],
    [{ passedPublishTime: 'publish', toleranceMinutes: 0 }, 'toleranceMinutes'],
    [{ passedPublishTime: 'publish', toleranceMinutes: 2.5 }, 'toleranceMinutes'],
    [{ toleranceMinutes: 10 }, 'passedPublishTime'],
    [{ passedPublishTime: 'publish', extra: true }, ''],
  ] as const) {
    const refused = await call(live.api, 'PUT', path(), { key: fixture.users.manager.apiKey, body });
    expect({ body, status: refused.status }).toEqual({ body, status: 400 });
    expect(JSON.stringify(refused.body.issues)).toContain(field);
  }
  const forbidden = await call(live.api, 'PUT', path(), {
    key: fixture.users.author.apiKey,
    body: { passedPublishTime: 'publish' },
  });
  expect(forbidden.status).toBe(403);
  const unknown = await call(live.api, 'GET', '/v1/brands/no-such-brand/late-publishing', {
    key: fixture.users.manager.apiKey,
  });
  expect(unknown.status).toBe(404);
});
