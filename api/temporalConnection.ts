/**
 * The API's connection to Temporal. The API serves from the start: while Temporal is away,
 * /readyz answers 503 and requests that need it get 503. Meanwhile the connection is probed with
 * capped exponential backoff, each failed probe logged on one line, so an operator sees what the
 * API waits for and the gRPC channel never sleeps longer than the cap before reconnecting.
 */
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
    attempt: () =>
      connection.withDeadline(Date.now() + PROBE_DEADLINE_MS, () => connection.workflowService.getSystemInfo({})),
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
