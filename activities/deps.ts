import type { Knex } from 'knex';
import type { ConnectorRegistry } from './connectors/types';
import type { Notifier } from './notifier';

export interface ActivityLogger {
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
}

/** The clients activities work with; the worker builds them once and tests pass their own. */
export interface PostActivityDeps {
  db: Knex;
  connectors: ConnectorRegistry;
  notifier: Notifier;
  logger?: ActivityLogger;
  /** The activity's notion of now; tests fix it to make time-derived values exact. */
  clock?: () => Date;
}

export const silentLogger: ActivityLogger = { info: () => undefined, warn: () => undefined };
export const systemClock = (): Date => new Date();
