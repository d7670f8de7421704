/**
 * The API's connection to Temporal. The API serves from the start: while Temporal is away,
 * /readyz answers 503 and requests that need it get 503. Meanwhile the connection is probed with
 * capped exponential backoff, each failed probe logged on one line, so an operator sees what the
 * API waits for and the gRPC channel never sleeps longer than the cap before reconnecting.
 */
import net from 'node:net';
import { Connection } from '@temporalio/client';
import type { Logger } from 'pino';
import { retryWithBackoff, TEMPORAL_CONNECT_BACKOFF, type Backoff } from '../config/startup';

const PROBE_DEADLINE_MS = 5_000;

export interface ApiTemporalConnection {
  connection: Connection;
  /** Resolves once Temporal has answered a first time (never rejects; stops waiting on `close`). */
  reachable: Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Opens and closes a TCP connection to `host:port`. A gRPC call to a closed port waits out its
 * whole deadline; this says at once that nothing listens there.
 */
function acceptsTcp(address: string): Promise<void> {
  const separator = address.lastIndexOf(':');
  const host = address.slice(0, separator).replace(/^\[(.*)\]$/, '$1');
  const port = Number(address.slice(separator + 1));
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, timeout: PROBE_DEADLINE_MS });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error('timed out'));
    });
    socket.once('error', reject);
  });
}

export function connectApiToTemporal({
  address,
  logger,
  backoff = TEMPORAL_CONNECT_BACKOFF,
}: {
  address: string;
  logger: Logger;
  backoff?: Backoff;
}): ApiTemporalConnection {
  const connection = Connection.lazy({
    address,
    channelArgs: {
      // grpc-js would otherwise wait up to two minutes between reconnection attempts.
      'grpc.initial_reconnect_backoff_ms': backoff.initialMs,
      'grpc.max_reconnect_backoff_ms': backoff.maxMs,
    },
  });
  const closing = new AbortController();
  const reachable = retryWithBackoff({
    attempt: async () => {
      await acceptsTcp(address);
      await connection.withDeadline(Date.now() + PROBE_DEADLINE_MS, () => connection.workflowService.getSystemInfo({}));
    },
    backoff,
    signal: closing.signal,
    onRetry: ({ attempt, delayMs, reason }) =>
      logger.warn(
        { address, attempt, retryInMs: delayMs },
        `Temporal at ${address} is not reachable (${reason}); the API answers 503 where it is needed and tries again in ${Math.round(delayMs / 100) / 10} s`,
      ),
  }).then(
    () => {
      logger.info({ address }, `API connected to Temporal at ${address}`);
      return true;
    },
    () => false,
  );
  return {
    connection,
    reachable,
    async close() {
      closing.abort();
      await reachable;
      await connection.close();
    },
  };
}
