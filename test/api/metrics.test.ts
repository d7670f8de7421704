/**
 * GET /metrics: what an operator's Prometheus scrapes — request latencies by route pattern, so a
 * post id never becomes a label of its own.
 */
import knex, { type Knex } from 'knex';
import { testDatabaseUrl } from '../helpers/db';
import { call, startApi, unreachableTemporal, type RunningApi } from './http';

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;

beforeAll(async () => {
  db = knex({ client: 'pg', connection: testDatabaseUrl(), pool: { min: 0, max: 2 } });
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await startApi({ db, temporal: temporal.client, taskQueue: 'api-metrics' });
});

afterAll(async () => {
  await api?.close();
  await closeTemporal?.();
  await db?.destroy();
});

describe('GET /metrics', () => {
  it('counts requests by route pattern and status, not by the ids in their paths', async () => {
    await call(api, 'GET', '/healthz');
    await call(api, 'GET', '/v1/posts/post-one');
    await call(api, 'GET', '/v1/posts/post-two');

    const response = await call(api, 'GET', '/metrics');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    expect(response.text).toMatch(
      /socialops_http_request_duration_seconds_count\{method="GET",route="\/healthz",status="200"\} 1/,
    );
    expect(response.text).toMatch(
      /socialops_http_request_duration_seconds_count\{method="GET",route="\/v1\/posts\/:id",status="401"\} 2/,
    );
    expect(response.text).not.toContain('post-one');
  });

  it('includes the process metrics of the API', async () => {
    const response = await call(api, 'GET', '/metrics');
    expect(response.text).toContain('socialops_api_process_resident_memory_bytes');
  });
});
