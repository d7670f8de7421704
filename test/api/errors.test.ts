/**
 * How failures become HTTP answers: the workflow's update refusals keep their meaning (403, 409,
 * 400 with the validator's own words), infrastructure outages become 503, and anything
 * unexpected is a 500 that tells the client nothing but a request id.
 */
import { ServiceError, WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import knex, { type Knex } from 'knex';
import { z } from 'zod';
import { classifyError } from '../../api/errors';
import { testDatabaseUrl } from '../helpers/db';
import { call, startApi, unreachableTemporal } from './http';

const refusal = (type: string, message: string) =>
  new WorkflowUpdateFailedError(
    'Workflow Update failed',
    ApplicationFailure.create({ type, message, nonRetryable: true }),
  );

describe('update refusals from the workflow', () => {
  it.each([
    ['InvalidTransition', 409, 'post is in legal_review, not final_approval'],
    ['StaleRevision', 409, 'revision 1 was replaced by revision 2'],
    ['Forbidden', 403, 'alice wrote this post and cannot review it'],
    ['InvalidInput', 400, 'publishAt must be in the future'],
  ])('maps %s to %i with the validator message', (type, status, message) => {
    const classified = classifyError(refusal(type, message));
    expect(classified).toMatchObject({ status, message, extra: { reason: type } });
  });

  it('treats an update failure of an unknown kind as unexpected', () => {
    const classified = classifyError(refusal('SomethingElse', 'internal detail'));
    expect(classified.status).toBe(500);
    expect(classified.message).not.toContain('internal detail');
  });
});

describe('everything else', () => {
  it('maps a missing workflow to 404', () => {
    expect(classifyError(new WorkflowNotFoundError('not found', 'post:x', undefined)).status).toBe(404);
  });

  it('maps zod errors to 400 with their issues', () => {
    const parsed = z.object({ title: z.string() }).safeParse({});
    const classified = classifyError(parsed.error);
    expect(classified.status).toBe(400);
    expect(classified.extra?.issues).toEqual([expect.objectContaining({ path: ['title'] })]);
  });

  it('maps an unreachable Temporal (gRPC UNAVAILABLE) to 503', () => {
    const grpcUnavailable = Object.assign(new Error('14 UNAVAILABLE: No connection established'), {
      code: 14,
      details: 'No connection established',
      metadata: {},
    });
    const classified = classifyError(new ServiceError('Failed to start Workflow', { cause: grpcUnavailable }));
    expect(classified).toMatchObject({ status: 503, extra: { dependency: 'temporal' } });
  });

  it('maps a refused or lost Postgres connection to 503', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    expect(classifyError(refused)).toMatchObject({ status: 503, extra: { dependency: 'postgres' } });
    const shuttingDown = Object.assign(new Error('terminating connection due to administrator command'), {
      name: 'DatabaseError',
      code: '57P01',
    });
    expect(classifyError(shuttingDown)).toMatchObject({ status: 503, extra: { dependency: 'postgres' } });
  });

  it('does not mistake a SQL error for an outage', () => {
    const constraint = Object.assign(new Error('duplicate key value'), { name: 'DatabaseError', code: '23505' });
    expect(classifyError(constraint).status).toBe(500);
  });
});

describe('over HTTP', () => {
  let db: Knex;

  afterAll(async () => {
    await db?.destroy();
  });

  it('answers an unexpected failure with 500, a generic message and a request id, never internals', async () => {
    // The maintenance database has none of the application's tables: every query fails unexpectedly.
    const url = new URL(testDatabaseUrl());
    url.pathname = '/postgres';
    db = knex({ client: 'pg', connection: url.toString(), pool: { min: 0, max: 1 } });
    const temporal = await unreachableTemporal();
    const api = await startApi({ db, temporal: temporal.client, taskQueue: 'api-errors' });
    try {
      const response = await call(api, 'GET', '/v1/posts', { key: 'sok_any-key' });
      expect(response.status).toBe(500);
      expect(response.body).toEqual({
        error: 'internal_error',
        message: 'Something went wrong on our side',
        requestId: response.headers.get('x-request-id'),
      });
      expect(response.text).not.toMatch(/api_keys|relation|\.ts:\d+/);
    } finally {
      await api.close();
      await temporal.close();
    }
  });
});
