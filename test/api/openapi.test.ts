/**
 * The OpenAPI document is generated from the same zod schemas that validate requests: it must be
 * a coherent 3.1 document, list every route the API serves, and every route it lists must exist.
 */
import type { Knex } from 'knex';
import { RISK_TIERS } from '../../domain/types';
import { createTestKnex } from '../helpers/db';
import { call, startApi, unreachableTemporal, type Json, type RunningApi } from './http';

let db: Knex;
let api: RunningApi;
let closeTemporal: () => Promise<void>;
let document: Json;

const EXPECTED_OPERATIONS = [
  'POST /v1/campaigns',
  'GET /v1/campaigns',
  'GET /v1/campaigns/{id}',
  'POST /v1/campaigns/{id}/posts',
  'POST /v1/campaigns/{id}/pause',
  'POST /v1/campaigns/{id}/resume',
  'POST /v1/campaigns/{id}/cancel',
  'POST /v1/campaigns/{id}/shift',
  'GET /v1/reports/campaigns/{id}',
  'POST /v1/posts',
  'GET /v1/posts',
  'GET /v1/posts/{id}',
  'GET /v1/posts/{id}/audit',
  'POST /v1/posts/{id}/revisions',
  'POST /v1/posts/{id}/reviews',
  'POST /v1/posts/{id}/reschedule',
  'POST /v1/posts/{id}/cancel',
  'POST /v1/posts/{id}/publish-now',
  'POST /v1/posts/{id}/retry',
  'GET /v1/review-queue',
  'GET /v1/calendar',
  'POST /v1/brands/{id}/pause',
  'POST /v1/brands/{id}/resume',
  'POST /v1/admin/reconcile',
  'GET /v1/brands/{id}/publishing',
  'POST /v1/inbound/{accountId}',
  'POST /v1/accounts/{accountId}/inbound-secret',
  'GET /v1/threads',
  'GET /v1/threads/{id}',
  'POST /v1/threads/{id}/reply',
  'POST /v1/threads/{id}/notes',
  'POST /v1/threads/{id}/pending',
  'POST /v1/threads/{id}/resolve',
  'POST /v1/threads/{id}/reopen',
  'POST /v1/threads/{id}/assign',
  'GET /v1/brands/{id}/business-hours',
  'PUT /v1/brands/{id}/business-hours',
  'GET /v1/brands/{id}/sla-policy',
  'PUT /v1/brands/{id}/sla-policy',
  'GET /v1/brands/{id}/triage-rules',
  'PUT /v1/brands/{id}/triage-rules',
  'GET /v1/templates',
  'POST /v1/templates',
  'GET /v1/templates/{id}',
  'PUT /v1/templates/{id}',
  'DELETE /v1/templates/{id}',
  'POST /v1/threads/{id}/escalate',
  'POST /v1/threads/{id}/replies/{replyId}/approve',
  'POST /v1/threads/{id}/replies/{replyId}/reject',
  'GET /v1/brands/{id}/late-publishing',
  'PUT /v1/brands/{id}/late-publishing',
  'GET /v1/brands/{id}/crisis-policy',
  'PUT /v1/brands/{id}/crisis-policy',
  'GET /v1/brands/{id}/crisis',
  'POST /v1/brands/{id}/crisis/declare',
  'POST /v1/brands/{id}/crisis/confirm',
  'POST /v1/brands/{id}/crisis/end',
  'GET /v1/brands/{id}/queues',
  'PUT /v1/brands/{id}/queues',
  'GET /v1/inbox',
  'GET /v1/reports/responses',
  'GET /v1/reports/content',
  'GET /v1/reports/publishing',
  'GET /v1/reports/performance',
  'GET /v1/reports/best-times',
  'GET /v1/reports/stored',
  'GET /v1/reports/stored/{id}',
  'GET /v1/brands/{id}/report-schedule',
  'PUT /v1/brands/{id}/report-schedule',
  'DELETE /v1/brands/{id}/report-schedule',
  'GET /v1/brands/{id}/posting-cadence',
  'PUT /v1/brands/{id}/posting-cadence',
  'GET /healthz',
  'GET /readyz',
  'GET /v1/accounts/{accountId}',
  'PUT /v1/accounts/{accountId}/bluesky-credentials',
  'GET /openapi.json',
  'GET /docs',
];

const HTTP_METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(): Array<{ method: string; path: string; operation: Json }> {
  return Object.entries(document.paths as Record<string, Record<string, unknown>>).flatMap(([path, item]) =>
    HTTP_METHODS.filter((method) => item[method]).map((method) => ({ method, path, operation: item[method] })),
  );
}

function collectRefs(value: unknown, refs: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((item) => collectRefs(item, refs));
  else if (value && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') refs.push(inner);
      else collectRefs(inner, refs);
    }
  }
  return refs;
}

beforeAll(async () => {
  db = createTestKnex();
  const temporal = await unreachableTemporal();
  closeTemporal = temporal.close;
  api = await startApi({ db, temporal: temporal.client, taskQueue: 'api-openapi', temporalDeadlineMs: 1_000 });
  const response = await call(api, 'GET', '/openapi.json');
  expect(response.status).toBe(200);
  document = response.body;
});

afterAll(async () => {
  await api.close();
  await closeTemporal();
  await db.destroy();
});

it('is an OpenAPI 3.1 document describing the API', () => {
  expect(document.openapi).toBe('3.1.0');
  expect(document.info).toMatchObject({ title: 'socialops API', version: expect.any(String) });
  expect(document.components.securitySchemes.bearerAuth).toMatchObject({ type: 'http', scheme: 'bearer' });
});

it('lists exactly the routes the API serves', () => {
  const listed = operations().map(({ method, path }) => `${method.toUpperCase()} ${path}`);
  expect(listed.sort()).toEqual([...EXPECTED_OPERATIONS].sort());
});

it('gives every operation a unique id, a summary and a success response', () => {
  const ids = operations().map(({ operation }) => operation.operationId);
  expect(new Set(ids).size).toBe(ids.length);
  for (const { operation } of operations()) {
    expect(operation.summary).toEqual(expect.any(String));
    expect(Object.keys(operation.responses).some((status) => status.startsWith('2'))).toBe(true);
  }
});

it('declares every path parameter, and only those', () => {
  for (const { path, operation } of operations()) {
    const inPath = [...path.matchAll(/\{([^}]+)\}/g)].map((match) => match[1]).sort();
    const declared = (operation.parameters ?? [])
      .filter((parameter: Json) => parameter.in === 'path')
      .map((parameter: Json) => {
        expect(parameter.required).toBe(true);
        return parameter.name;
      })
      .sort();
    expect({ path, parameters: declared }).toEqual({ path, parameters: inPath });
  }
});

it('resolves every schema reference', () => {
  const refs = collectRefs(document);
  expect(refs.length).toBeGreaterThan(10);
  for (const ref of refs) {
    const [, section, name] = /^#\/components\/(\w+)\/(.+)$/.exec(ref) ?? [];
    expect({ ref, found: Boolean(section && name && document.components[section]?.[name]) }).toEqual({
      ref,
      found: true,
    });
  }
});

it('documents authentication, authorization and error responses per operation', () => {
  for (const { method, path, operation } of operations()) {
    const isPublic = ['/healthz', '/readyz', '/openapi.json', '/docs'].includes(path);
    // Platforms sign inbound webhooks with the account's secret instead of sending an API key.
    const isSigned = path === '/v1/inbound/{accountId}';
    const label = `${method} ${path}`;
    if (isPublic) {
      expect({ label, security: operation.security }).toEqual({ label, security: [] });
    } else if (isSigned) {
      expect({ label, security: operation.security }).toEqual({ label, security: [] });
      expect({ label, has401: '401' in operation.responses }).toEqual({ label, has401: true });
    } else {
      expect({ label, security: operation.security }).toEqual({ label, security: [{ bearerAuth: [] }] });
      expect({ label, has401: '401' in operation.responses }).toEqual({ label, has401: true });
    }
    if (method === 'post') expect({ label, has413: '413' in operation.responses }).toEqual({ label, has413: true });
    if (!isPublic) expect({ label, has503: '503' in operation.responses }).toEqual({ label, has503: true });
    // Operations that need a key pass through the request budgets; signed inbound deliveries through the account's.
    expect({ label, has429: '429' in operation.responses }).toEqual({ label, has429: !isPublic });
  }
  expect(document.paths['/readyz'].get.responses['503'].content['application/json'].schema.$ref).toBe(
    '#/components/schemas/Readiness',
  );
  const review = document.paths['/v1/posts/{id}/reviews'].post;
  expect(review.description).toMatch(/Roles allowed: .*legal/);
  expect(Object.keys(review.responses)).toEqual(expect.arrayContaining(['200', '400', '401', '403', '404', '409']));
});

it('documents lost as a stage and 410 on every action a lost post refuses', () => {
  expect(document.components.schemas.PostStage.enum).toContain('lost');
  for (const action of ['revisions', 'reviews', 'reschedule', 'cancel', 'publish-now', 'retry']) {
    expect(Object.keys(document.paths[`/v1/posts/{id}/${action}`].post.responses)).toContain('410');
  }
  expect(Object.keys(document.paths['/v1/posts'].post.responses)).toEqual(expect.arrayContaining(['410', '422']));
});

it('describes the new-post body from the validating schema', () => {
  const body = document.paths['/v1/posts'].post.requestBody.content['application/json'].schema;
  const schema = body.$ref ? document.components.schemas[body.$ref.split('/').pop()] : body;
  expect(schema.required).toEqual(expect.arrayContaining(['brandId', 'title', 'riskTier', 'publishAt']));
  const riskTier = schema.properties.riskTier.$ref
    ? document.components.schemas[schema.properties.riskTier.$ref.split('/').pop()]
    : schema.properties.riskTier;
  expect(riskTier.enum).toEqual([...RISK_TIERS]);
});

it('serves every route it documents', async () => {
  const unserved: string[] = [];
  for (const { method, path } of operations()) {
    const response = await call(api, method.toUpperCase(), path.replace(/\{[^}]+\}/g, 'some-id'));
    // Without a key a served route answers 401 (public ones answer themselves); an unserved one says it has no route.
    if (response.status === 404 && String(response.body?.message).startsWith('No route'))
      unserved.push(`${method} ${path}`);
  }
  expect(unserved).toEqual([]);
});

it('renders a reference page listing every operation without fetching anything', async () => {
  const response = await call(api, 'GET', '/docs');
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toMatch(/text\/html/);
  for (const { method, path } of operations()) {
    expect(response.text).toContain(`${method.toUpperCase()}</span> <code>${path}</code>`);
  }
  expect(response.text).not.toMatch(/<script[^>]+src=|https?:\/\/cdn/);
});
