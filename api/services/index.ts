/**
 * Builds the API's use cases once per app: the data-access factories over one knex instance and
 * the Temporal client bound to the API's deadline, each service given only the slice it uses.
 */
import type { Client } from '@temporalio/client';
import type { Knex } from 'knex';
import type { Logger } from 'pino';
import type { ConnectorRegistry } from '../../activities/connectors/types';
import { createAccountStore } from '../../db/accounts';
import { createAccountCredentialStore } from '../../db/accountCredentials';
import { createAuditLog } from '../../db/audit';
import { createBrandStore } from '../../db/brands';
import { createCrisisStore } from '../../db/crisis';
import { createInboundSecretStore } from '../../db/inboundSecrets';
import { createPostStore } from '../../db/posts';
import { createReplyTemplateStore } from '../../db/replyTemplates';
import { createThreadSettingsStore } from '../../db/threadSettings';
import { createInboxStore } from '../../db/inbox';
import { createThreadQueueStore } from '../../db/threadQueues';
import { createThreadStore } from '../../db/threads';
import { createUserStore } from '../../db/users';
import { createReportReader } from '../../db/reportReader';
import { createReportStore } from '../../db/reports';
import { createPostReconciler, defaultConnectors } from '../reconciliation';
import { createAccountService } from './accounts';
import { createAdminService } from './admin';
import { createBrandService } from './brands';
import { createCampaignService } from './campaigns';
import { createCampaignStore } from '../../db/campaigns';
import { createCalendarService } from './calendar';
import { createCrisisService } from './crisis';
import { createHealthService } from './health';
import { createInboundService } from './inbound';
import { createPostService } from './posts';
import { createReviewQueueService } from './reviewQueue';
import { createReportService } from './reports';
import { createReportScheduleService } from './reportSchedules';
import { createReplyTemplateService } from './replyTemplates';
import { createQueueService } from './queues';
import { createThreadService } from './threads';
import { createThreadSettingsService } from './threadSettings';
import { DEFAULT_TEMPORAL_DEADLINE_MS, deadlineBoundCalls, type TemporalAccess } from './temporal';

export { DEFAULT_TEMPORAL_DEADLINE_MS };

export function createServices({
  db,
  temporal,
  taskQueue,
  logger,
  temporalDeadlineMs = DEFAULT_TEMPORAL_DEADLINE_MS,
  connectors,
  inboundSecretKey,
}: {
  db: Knex;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  temporalDeadlineMs?: number;
  /** The platforms whose ledgers say what a lost post published; the sandbox by default. */
  connectors?: ConnectorRegistry;
  /** Encrypts and decrypts the accounts' inbound webhook secrets and platform credentials at rest. */
  inboundSecretKey: Buffer;
}) {
  const call = deadlineBoundCalls(temporal, temporalDeadlineMs);
  const workflows: TemporalAccess = { workflow: temporal.workflow, call, taskQueue };
  const brands = createBrandStore(db);
  const crises = createCrisisStore(db);
  const posts = createPostStore(db);
  const accounts = createAccountStore(db);
  const threads = createThreadStore(db);
  const templates = createReplyTemplateService({ brands, templates: createReplyTemplateStore(db) });
  const users = createUserStore(db);
  const queues = createQueueService({
    brands,
    users,
    queues: createThreadQueueStore(db),
    inbox: createInboxStore(db),
  });
  const reconciler = createPostReconciler({
    db,
    temporal,
    logger,
    connectors: connectors ?? defaultConnectors(db, inboundSecretKey),
    callTemporal: call,
  });
  return {
    /** For authentication, which runs before any use case. */
    users,
    posts: createPostService({
      posts,
      brands,
      crises,
      accounts,
      audit: createAuditLog(db),
      reconciler,
      temporal: workflows,
      logger,
    }),
    brands: createBrandService({ brands, temporal: workflows, logger }),
    crisis: createCrisisService({ brands, crises, temporal: workflows, logger }),
    campaigns: createCampaignService({
      campaigns: createCampaignStore(db),
      brands,
      accounts,
      users,
      temporal: workflows,
    }),
    calendar: createCalendarService({ brands, posts }),
    reviewQueue: createReviewQueueService({ posts }),
    admin: createAdminService({ reconciler }),
    threads: createThreadService({ threads, temporal: workflows, logger, templates, queues }),
    threadSettings: createThreadSettingsService({ brands, settings: createThreadSettingsStore(db) }),
    templates,
    queues,
    inbound: createInboundService({
      accounts,
      secrets: createInboundSecretStore(db, { key: inboundSecretKey }),
      threads,
      temporal: workflows,
    }),
    reports: createReportService({
      brands,
      accounts,
      reader: createReportReader(db),
      store: createReportStore(db),
    }),
    reportSchedules: createReportScheduleService({ brands, schedules: temporal.schedule, call, taskQueue }),
    accounts: createAccountService({
      db,
      accounts,
      credentials: createAccountCredentialStore(db, { key: inboundSecretKey }),
      temporal: workflows,
      logger,
    }),
    health: createHealthService({
      db,
      systemInfo: () => temporal.connection.workflowService.getSystemInfo({}),
      call,
      logger,
    }),
  };
}

export type ApiServices = ReturnType<typeof createServices>;
