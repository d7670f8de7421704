/**
 * Runs the API on a real socket (127.0.0.1, a free port) and calls it with Node's fetch, so the
 * tests see exactly what a client sees: status, headers, body bytes.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { Client, Connection } from '@temporalio/client';
import type { Knex } from 'knex';
import pino from 'pino';
import { createApp, type AppOptions } from '../../api/app';
import type { PostState } from '../../workflows/messages';
import { createPostStore } from '../../db/posts';
import { deriveReviewPlan } from '../../domain/reviewPolicy';
import type { PostStage, RiskTier } from '../../domain/types';
import { uniqueId } from '../helpers/db';
import { TEST_INBOUND_SECRET_KEY } from '../helpers/inboundSecretKey';

export interface RunningApi {
  baseUrl: string;
  close(): Promise<void>;
}

export async function startApi(
  options: Omit<AppOptions, 'logger' | 'inboundSecretKey'> & Partial<Pick<AppOptions, 'logger' | 'inboundSecretKey'>>,
): Promise<RunningApi> {
  const app = createApp({ logger: pino({ level: 'silent' }), inboundSecretKey: TEST_INBOUND_SECRET_KEY, ...options });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * A parsed JSON response body. Tests assert on its shape field by field, so it is deliberately
 * loose rather than cast at every use.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Json = any;

export interface ApiResponse {
  status: number;
  headers: Headers;
  body: Json;
  text: string;
}

export async function call(
  api: RunningApi,
  method: string,
  path: string,
  options: { key?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.rawBody !== undefined) {
    body = options.rawBody;
    headers['content-type'] ??= 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = 'application/json';
  }
  const response = await fetch(`${api.baseUrl}${path}`, { method, headers, body });
  const text = await response.text();
  let parsed: unknown = undefined;
  if ((response.headers.get('content-type') ?? '').includes('application/json') && text) parsed = JSON.parse(text);
  return { status: response.status, headers: response.headers, body: parsed, text };
}

/** A port nothing listens on: bound, read, released. */
export async function closedPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A Temporal client whose server is not there: every call fails as it would with Temporal down. */
export async function unreachableTemporal(): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = Connection.lazy({ address: `127.0.0.1:${await closedPort()}`, connectTimeout: 500 });
  return { client: new Client({ connection }), close: () => connection.close() };
}

/**
 * Writes a post straight into the projection, as the workflow would have, for tests of the
 * read side that need no running workflow.
 */
export async function projectPost(
  db: Knex,
  input: {
    brandId: string;
    authorId: string;
    stage: PostStage;
    publishAt: string;
    id?: string;
    campaignId?: string;
    riskTier?: RiskTier;
    timeZone?: string;
    variants?: PostState['variants'];
    content?: PostState['content'];
    deadlines?: PostState['deadlines'];
    revision?: number;
  },
): Promise<PostState> {
  const riskTier = input.riskTier ?? 'standard';
  const state: PostState = {
    postId: input.id ?? uniqueId('post'),
    brandId: input.brandId,
    ...(input.campaignId ? { campaignId: input.campaignId } : {}),
    authorId: input.authorId,
    title: `Post in ${input.stage}`,
    riskTier,
    flags: [],
    urgent: false,
    stage: input.stage,
    openStages: [input.stage],
    plan: deriveReviewPlan({ riskTier, flags: [], urgent: false }),
    revision: input.revision ?? 1,
    ...(input.content ? { content: input.content } : {}),
    decisions: [],
    deadlines: input.deadlines ?? [],
    qualityIssues: [],
    publishAt: input.publishAt,
    timeZone: input.timeZone ?? 'Europe/Berlin',
    paused: false,
    holds: [],
    variants: input.variants ?? [],
    snapshots: [],
    updatedAt: new Date().toISOString(),
  };
  await createPostStore(db).applyProjection({ state, sequence: 1 });
  return state;
}
