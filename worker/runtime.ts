/**
 * The Temporal SDK's runtime for a process that runs workers. Its log lines, the native core's
 * included, go through the process's pino logger, so the process writes one stream of JSON
 * lines; with a metrics address, the SDK's own metrics (task slots, workflow and activity task
 * latencies, schedule-to-start, sticky cache, RPC requests) are served there for Prometheus.
 */
import { DefaultLogger, Runtime, type LogEntry, type LogLevel } from '@temporalio/worker';
import type { Logger } from 'pino';

const PINO_TO_SDK: Record<string, LogLevel> = {
  trace: 'TRACE',
  debug: 'DEBUG',
  info: 'INFO',
  warn: 'WARN',
  error: 'ERROR',
  fatal: 'ERROR',
  silent: 'ERROR',
};
const SDK_TO_PINO: Record<LogLevel, 'trace' | 'debug' | 'info' | 'warn' | 'error'> = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
};

/**
 * Bundling the workflow code at start-up logs webpack's whole report at info level: useful when
 * debugging the bundle, noise before every start otherwise.
 */
function isBundlerReport(entry: LogEntry): boolean {
  return (
    entry.level === 'INFO' &&
    (entry.message === 'Workflow bundle created' || /^asset |\bwebpack \d+\.\d+\.\d+ compiled/m.test(entry.message))
  );
}

function toPino(logger: Logger, entry: LogEntry): void {
  const { error, ...meta } = (entry.meta ?? {}) as Record<string, unknown>;
  const level = isBundlerReport(entry) ? 'debug' : SDK_TO_PINO[entry.level];
  // pino serialises an Error (message, type, stack) only under `err`.
  logger[level]({ ...meta, ...(error !== undefined ? { err: error } : {}) }, entry.message);
}

export function installWorkerRuntime({ logger, metricsAddress }: { logger: Logger; metricsAddress?: string }): void {
  const level = PINO_TO_SDK[logger.level] ?? 'INFO';
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => toPino(logger, entry)),
    telemetryOptions: {
      logging: {
        filter: { core: level === 'TRACE' || level === 'DEBUG' ? level : 'WARN', other: 'ERROR' },
        forward: {},
      },
      ...(metricsAddress ? { metrics: { prometheus: { bindAddress: metricsAddress } } } : {}),
    },
  });
}
