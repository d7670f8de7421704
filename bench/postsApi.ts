/**
 * The post benchmark's API, in a process of its own as in production (callers, API and worker are
 * separate processes): told the database, the Temporal address and the task queue, it serves on a
 * free local port, reports the port, and runs until it is told to stop.
 */
import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import pino from 'pino';
import { createApp } from '../api/app';
import { DEFAULT_INBOUND_RATE_LIMIT_PER_MINUTE } from '../config';
import { createKnex } from '../db/knex';

async function main(): Promise<void> {
  const [databaseUrl, address, taskQueue] = process.argv.slice(2);
  const db = createKnex(databaseUrl);
  const connection = await Connection.connect({ address });
  const app = createApp({
    db,
    temporal: new Client({ connection }),
    taskQueue,
    logger: pino({ level: process.env.BENCH_API_LOG ?? 'silent' }),
    inboundSecretKey: randomBytes(32),
    // What a production API limits inbound deliveries to, so the ingest benchmark shows it is no obstacle.
    inboundRateLimitPerMinute: DEFAULT_INBOUND_RATE_LIMIT_PER_MINUTE,
  });
  const server: Server = await new Promise((resolve) => {
    const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
  });
  process.on('message', () => {
    server.close(() => {
      void Promise.all([connection.close(), db.destroy()]).then(() => process.exit(0));
    });
    server.closeAllConnections();
  });
  process.send!({ port: (server.address() as AddressInfo).port });
}

if (require.main === module) void main();
