/**
 * Process configuration, read from the environment once at start-up. A wrong value stops the
 * process with a message naming every offending variable, instead of failing later at the first
 * request that happens to touch it.
 */
import { isIP } from 'node:net';
import path from 'node:path';
import { msToNumber, type Duration } from '@temporalio/common/lib/time';
import { z } from 'zod';
import { INBOUND_SECRET_KEY_PROBLEM, parseInboundSecretKey } from './inboundSecretKey';

/** One day, as the Temporal CLI's dev server keeps closed workflows. */
const DEFAULT_OFFLINE_RETENTION = '1d';
const DEFAULT_OFFLINE_RETENTION_MS = 86_400_000;
const MAX_RETENTION_DAYS = 3650;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Shortest accepted webhook signing secret: below this an HMAC key is guessable. */
export const MIN_WEBHOOK_SECRET_LENGTH = 16;

/** Generous for people and well-behaved integrations; a runaway loop meets it within seconds. */
export const DEFAULT_API_RATE_LIMIT_PER_MINUTE = 600;

/**
 * Inbound events per minute per account: well above what a busy account's platform sends (and
 * above the 1,000 per second the ingest benchmark drives), low enough that a platform stuck in a
 * redelivery loop is held back before it crowds out the agents' requests.
 */
export const DEFAULT_INBOUND_RATE_LIMIT_PER_MINUTE = 120_000;

export interface Config {
  /** Postgres connection string; absent means an embedded Postgres under `dataDir`. */
  databaseUrl?: string;
  /** `host:port` of a Temporal frontend; absent means the offline Temporal server in-process. */
  temporalAddress?: string;
  temporalNamespace: string;
  temporalTaskQueue: string;
  port: number;
  host: string;
  logLevel: LogLevel;
  /** Where reviewer, reminder, escalation and failure notifications are POSTed. */
  notifyWebhookUrl?: string;
  /** HMAC-SHA256 key for the notification signature; present exactly when the URL is. */
  notifyWebhookSecret?: string;
  /** Absolute path of `npm start`'s data: the embedded Postgres, its password, the demo keys. */
  dataDir: string;
  /** Fixed port for the embedded Postgres; absent means a free port picked at each start. */
  embeddedPostgresPort?: number;
  /**
   * Port of Temporal UI beside the offline Temporal server; absent means its frontend port + 1000
   * (8233 usually), 'off' that the UI is not served.
   */
  temporalUiPort?: number | 'off';
  /** Where the in-process offline Temporal server keeps its state: Postgres (survives restarts) or memory. */
  offlineTemporalStore: 'postgres' | 'memory';
  /** How long the offline Temporal server keeps a closed workflow and its history, in ms. */
  offlineTemporalRetentionMs: number;
  /** URL clients use to reach the API (no trailing slash); derived from HOST and PORT if unset. */
  publicBaseUrl: string;
  /** Requests per minute per API user (and per client address for failed authentications); 0: no limit. */
  apiRateLimitPerMinute: number;
  /**
   * Which reverse proxies' `X-Forwarded-For` to believe, in express's `trust proxy` terms: how
   * many hops, or the proxies' addresses and subnets. Absent: the connection's peer is the client.
   */
  trustProxy?: number | string[];
  /** `ip:port` where worker processes serve the Temporal SDK's metrics for Prometheus. */
  workerMetricsAddress?: string;
  /** Encrypts inbound webhook secrets at rest; the API needs it (`npm start` makes one if unset). */
  inboundSecretKey?: Buffer;
  /** Inbound events each account may deliver per minute before getting 429; 0: no limit. */
  inboundRateLimitPerMinute: number;
}

export interface ConfigIssue {
  variable: string;
  problem: string;
}

export class ConfigError extends Error {
  readonly issues: ConfigIssue[];

  constructor(issues: ConfigIssue[]) {
    super(`Invalid configuration:\n${issues.map((issue) => `  ${issue.variable}: ${issue.problem}`).join('\n')}`);
    this.name = 'ConfigError';
    this.issues = issues;
  }
}

export interface ConfigVariable {
  name: string;
  /** The default as a reader should see it, or `—` when unset means "not used". */
  default: string;
  meaning: string;
}

/**
 * Every variable the processes read. The README's configuration table is rendered from this
 * list, and the unit tests check that it and the schema below name the same variables.
 */
const VARIABLES: readonly ConfigVariable[] = [
  {
    name: 'DATABASE_URL',
    default: '—',
    meaning:
      'Postgres connection string (`postgres://user:password@host:5432/db`). Unset: an embedded Postgres stores its data under `DATA_DIR`.',
  },
  {
    name: 'TEMPORAL_ADDRESS',
    default: '—',
    meaning:
      'Temporal frontend as `host:port` (e.g. `temporal:7233`). Unset: the offline Temporal server runs inside the process.',
  },
  { name: 'TEMPORAL_NAMESPACE', default: 'default', meaning: 'Temporal namespace holding the workflows.' },
  {
    name: 'TEMPORAL_TASK_QUEUE',
    default: 'socialops',
    meaning: 'Task queue the worker polls and the API starts workflows on.',
  },
  { name: 'PORT', default: '3000', meaning: 'TCP port the API listens on.' },
  {
    name: 'HOST',
    default: '127.0.0.1',
    meaning:
      'Interface the API binds to. The default keeps a local demo off the network; the container image sets `0.0.0.0`.',
  },
  { name: 'LOG_LEVEL', default: 'info', meaning: `Log verbosity: ${LOG_LEVELS.join(', ')}.` },
  {
    name: 'NOTIFY_WEBHOOK_URL',
    default: '—',
    meaning:
      'http(s) URL that receives notifications (reviews due, reminders, escalations, failures). Unset: none are sent.',
  },
  {
    name: 'NOTIFY_WEBHOOK_SECRET',
    default: '—',
    meaning: `Key for the HMAC-SHA256 signature of each notification; required with \`NOTIFY_WEBHOOK_URL\`, at least ${MIN_WEBHOOK_SECRET_LENGTH} characters.`,
  },
  {
    name: 'DATA_DIR',
    default: './.data',
    meaning:
      "Where `npm start` keeps its data: the embedded Postgres (`postgres/`) and its superuser's password (`postgres-password`), the demo users' API keys (`demo-keys.json`) and, without `INBOUND_SECRET_KEY`, the key inbound secrets are encrypted with (`inbound-secret-key`); each file is readable by its owner only.",
  },
  {
    name: 'EMBEDDED_POSTGRES_PORT',
    default: '—',
    meaning:
      'Port of the embedded Postgres, which listens on 127.0.0.1 only. Unset: a free port is picked at every start (`npm start` prints it).',
  },
  {
    name: 'TEMPORAL_UI_PORT',
    default: '—',
    meaning:
      'Port of Temporal UI and its HTTP API, served on 127.0.0.1 beside the offline Temporal server (not with `TEMPORAL_ADDRESS`). Unset: the Temporal port + 1000 (8233 usually), or a free port when that is taken; `off`: no UI.',
  },
  {
    name: 'OFFLINE_TEMPORAL_STORE',
    default: 'postgres',
    meaning:
      "Where the offline Temporal server (without `TEMPORAL_ADDRESS`) keeps its workflows: `postgres` (the schema `temporal_devserver` of the app's database, embedded or `DATABASE_URL`; workflows and schedules survive restarts and crashes) or `memory` (lost when the process ends).",
  },
  {
    name: 'OFFLINE_TEMPORAL_RETENTION',
    default: DEFAULT_OFFLINE_RETENTION,
    meaning:
      "How long the offline Temporal server keeps a closed workflow and its history (`72h`, `7d`; from 1 minute to 3650 days) before deleting them; Temporal UI shows a closed workflow that long. The projections in the app's tables keep their records regardless.",
  },
  {
    name: 'PUBLIC_BASE_URL',
    default: 'http://HOST:PORT',
    meaning: 'Base URL printed for clients and used in the OpenAPI document, when the API sits behind a proxy.',
  },
  {
    name: 'API_RATE_LIMIT_PER_MINUTE',
    default: String(DEFAULT_API_RATE_LIMIT_PER_MINUTE),
    meaning:
      'Requests per minute each API user may make before getting 429. Requests with a missing or wrong key are counted per client address against a budget of the same size; once an address has spent it, its requests with a missing or wrong key get 429 instead of 401 until its minute is over. That budget never refuses a valid key: a user behind the same NAT or proxy keeps working on their own budget. Counted per API process (each replica has its own). `0` turns limiting off. Health, readiness, the documentation and `/metrics` are never limited.',
  },
  {
    name: 'INBOUND_SECRET_KEY',
    default: '—',
    meaning:
      "Key that encrypts the accounts' inbound webhook secrets and platform credentials (Bluesky app passwords) in Postgres (AES-256-GCM): 32 random bytes as 64 hex digits or base64 (`openssl rand -base64 32`). Required by the API; the worker needs it to sign in to Bluesky (without it, it has no Bluesky connector); `npm start` without it generates one into `DATA_DIR/inbound-secret-key` at the first start. Every API replica and worker needs the same key; losing it means issuing every account a new secret and setting its credentials again.",
  },
  {
    name: 'INBOUND_RATE_LIMIT_PER_MINUTE',
    default: String(DEFAULT_INBOUND_RATE_LIMIT_PER_MINUTE),
    meaning:
      'Inbound webhook events each account may deliver per minute, counted in events (a batch of 100 counts 100), before its deliveries get 429 with `Retry-After`. Counted per API process. `0` turns limiting off.',
  },
  {
    name: 'TRUST_PROXY',
    default: '—',
    meaning:
      "Reverse proxies in front of the API whose `X-Forwarded-For` gives the client's address (used by the per-address budget): a number of hops (`1`), or the proxies' addresses and subnets (`10.0.0.0/8, loopback`; also `linklocal`, `uniquelocal`). Unset: the connecting address is the client's.",
  },
  {
    name: 'WORKER_METRICS_ADDRESS',
    default: '—',
    meaning:
      "IP address and port (`0.0.0.0:9464`) where the worker serves the Temporal SDK's metrics for Prometheus at `/metrics`: task slots, workflow and activity task latencies, schedule-to-start, sticky cache. Unset: not served.",
  },
];

/** Variables whose value must never be echoed back in an error message. */
const SECRET_VARIABLES = new Set(['DATABASE_URL', 'NOTIFY_WEBHOOK_SECRET', 'INBOUND_SECRET_KEY']);

export function describeConfig(): ConfigVariable[] {
  return VARIABLES.map((variable) => ({ ...variable }));
}

/** The configuration table as Markdown, for the README. */
export function renderConfigTable(): string {
  const rows = VARIABLES.map(
    (v) => `| \`${v.name}\` | ${v.default === '—' ? '—' : `\`${v.default}\``} | ${v.meaning} |`,
  );
  return ['| variable | default | meaning |', '|---|---|---|', ...rows].join('\n');
}

const PORT_PROBLEM = 'expected an integer between 1 and 65535';

const RATE_LIMIT_PROBLEM = 'expected a whole number of requests per minute (0 turns limiting off)';

const requestsPerMinute = z
  .string()
  .refine((value) => /^\d+$/.test(value) && Number.isSafeInteger(Number(value)), RATE_LIMIT_PROBLEM)
  .transform(Number);

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']);
const TRUST_PROXY_PROBLEM =
  'expected a number of proxy hops, or proxy addresses and subnets separated by commas (e.g. "10.0.0.0/8, loopback"); ' +
  '"true" is refused because it would let any client choose its own address';

function isProxyAddress(entry: string): boolean {
  if (PROXY_KEYWORDS.has(entry)) return true;
  const [address, prefix, ...rest] = entry.split('/');
  const version = isIP(address);
  if (version === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  return /^\d+$/.test(prefix) && Number(prefix) <= (version === 4 ? 32 : 128);
}

const trustedProxies = z
  .string()
  .refine(
    (value) => /^\d+$/.test(value) || value.split(',').every((entry) => isProxyAddress(entry.trim())),
    TRUST_PROXY_PROBLEM,
  )
  .transform((value): number | string[] =>
    /^\d+$/.test(value) ? Number(value) : value.split(',').map((entry) => entry.trim()),
  );

const portNumber = z
  .string()
  .refine((value) => /^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535, PORT_PROBLEM)
  .transform(Number);

function hasProtocol(value: string, protocols: readonly string[]): boolean {
  try {
    return protocols.includes(new URL(value).protocol);
  } catch {
    return false;
  }
}

const postgresUrl = z
  .string()
  .refine((value) => hasProtocol(value, ['postgres:', 'postgresql:']), 'expected a postgres:// or postgresql:// URL');

/** `host:port`, `[ipv6]:port`; the SDK takes no scheme here, so one is refused rather than misread. */
const temporalAddress = z.string().refine((value) => {
  const match = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]+):(\d+)$/.exec(value);
  return match !== null && Number(match[2]) >= 1 && Number(match[2]) <= 65535;
}, 'expected host:port (for example temporal:7233), without a scheme');

/** An IP address and port to listen on (the SDK's metrics server takes no host names). */
const listenAddress = z.string().refine((value) => {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|(\d{1,3}(?:\.\d{1,3}){3})):(\d+)$/.exec(value);
  if (!match) return false;
  const ip = match[1] ?? match[2];
  return isIP(ip) === (match[1] ? 6 : 4) && Number(match[3]) >= 1 && Number(match[3]) <= 65535;
}, 'expected an IP address and port to listen on, e.g. 0.0.0.0:9464 or [::]:9464');

const identifier = (what: string) =>
  z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, `expected a ${what}: letters, digits, '.', '_' or '-'`);

const host = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[0-9a-fA-F:.]+|[A-Za-z0-9.-]+)$/, 'expected a host name or IP address');

const httpUrl = (problem: string) => z.string().refine((value) => hasProtocol(value, ['http:', 'https:']), problem);

/** A retention period written as Temporal's durations are (`72h`, `7d`), in ms, when within bounds. */
function retentionMs(value: string): number | undefined {
  let ms: number;
  try {
    ms = msToNumber(value as Duration);
  } catch {
    return undefined;
  }
  return Number.isFinite(ms) && ms >= 60_000 && ms <= MAX_RETENTION_DAYS * 86_400_000 ? Math.round(ms) : undefined;
}

const envSchema = z.object({
  DATABASE_URL: postgresUrl.optional(),
  TEMPORAL_ADDRESS: temporalAddress.optional(),
  TEMPORAL_NAMESPACE: identifier('namespace name').default('default'),
  TEMPORAL_TASK_QUEUE: identifier('task queue name').default('socialops'),
  PORT: portNumber.default(3000),
  HOST: host.default('127.0.0.1'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `expected one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  NOTIFY_WEBHOOK_URL: httpUrl('expected an http:// or https:// URL').optional(),
  NOTIFY_WEBHOOK_SECRET: z
    .string()
    .refine(
      (value) => value.length >= MIN_WEBHOOK_SECRET_LENGTH,
      `expected at least ${MIN_WEBHOOK_SECRET_LENGTH} characters`,
    )
    .optional(),
  DATA_DIR: z.string().default('./.data'),
  EMBEDDED_POSTGRES_PORT: portNumber.optional(),
  TEMPORAL_UI_PORT: z
    .string()
    .refine(
      (value) => value === 'off' || (/^\d+$/.test(value) && Number(value) >= 1 && Number(value) <= 65535),
      'expected an integer between 1 and 65535, or off',
    )
    .transform((value) => (value === 'off' ? ('off' as const) : Number(value)))
    .optional(),
  OFFLINE_TEMPORAL_STORE: z.enum(['postgres', 'memory'], { error: 'expected postgres or memory' }).default('postgres'),
  OFFLINE_TEMPORAL_RETENTION: z
    .string()
    .refine(
      (value) => retentionMs(value) !== undefined,
      `expected a duration from 1 minute to ${MAX_RETENTION_DAYS} days, such as 72h or 7d`,
    )
    .transform((value) => retentionMs(value)!)
    .default(DEFAULT_OFFLINE_RETENTION_MS),
  PUBLIC_BASE_URL: httpUrl('expected an http:// or https:// URL').optional(),
  API_RATE_LIMIT_PER_MINUTE: requestsPerMinute.default(DEFAULT_API_RATE_LIMIT_PER_MINUTE),
  INBOUND_SECRET_KEY: z
    .string()
    .refine((value) => parseInboundSecretKey(value) !== undefined, INBOUND_SECRET_KEY_PROBLEM)
    .transform((value) => parseInboundSecretKey(value)!)
    .optional(),
  INBOUND_RATE_LIMIT_PER_MINUTE: z
    .string()
    .refine(
      (value) => /^\d+$/.test(value) && Number.isSafeInteger(Number(value)),
      'expected a whole number of events per minute (0 turns limiting off)',
    )
    .transform(Number)
    .default(DEFAULT_INBOUND_RATE_LIMIT_PER_MINUTE),
  TRUST_PROXY: trustedProxies.optional(),
  WORKER_METRICS_ADDRESS: listenAddress.optional(),
});

/** Names the schema reads; exported so the tests can hold it against `describeConfig()`. */
export const CONFIG_VARIABLE_NAMES: readonly string[] = Object.keys(envSchema.shape);

/**
 * Blank values count as unset: compose files and shells commonly pass `VAR=` for "not set".
 * Surrounding whitespace is dropped because it is never meaningful in these values and is a
 * frequent copy-paste accident in `.env` files.
 */
function readVariables(env: NodeJS.ProcessEnv): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const name of CONFIG_VARIABLE_NAMES) {
    const value = env[name]?.trim();
    values[name] = value === undefined || value === '' ? undefined : value;
  }
  return values;
}

function valueIssue(variable: string, problem: string, raw: string | undefined): ConfigIssue {
  if (raw === undefined) return { variable, problem };
  if (SECRET_VARIABLES.has(variable)) return { variable, problem: `${problem} (value not shown)` };
  return { variable, problem: `${problem}, got ${JSON.stringify(raw)}` };
}

/** Rules about which variables go together; they look only at presence, never at values. */
function combinationIssues(raw: Record<string, string | undefined>): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (raw.NOTIFY_WEBHOOK_URL !== undefined && raw.NOTIFY_WEBHOOK_SECRET === undefined) {
    issues.push({
      variable: 'NOTIFY_WEBHOOK_SECRET',
      problem: 'required when NOTIFY_WEBHOOK_URL is set (notifications are signed)',
    });
  }
  if (raw.NOTIFY_WEBHOOK_SECRET !== undefined && raw.NOTIFY_WEBHOOK_URL === undefined) {
    issues.push({
      variable: 'NOTIFY_WEBHOOK_SECRET',
      problem: 'set without NOTIFY_WEBHOOK_URL, so no notification would be signed with it',
    });
  }
  return issues;
}

function defaultBaseUrl(host: string, port: number): string {
  // A wildcard bind address is not something a client can connect to.
  const reachable = host === '0.0.0.0' || host === '::' || host === '[::]' ? '127.0.0.1' : host;
  const bracketed = reachable.includes(':') && !reachable.startsWith('[') ? `[${reachable}]` : reachable;
  return `http://${bracketed}:${port}`;
}

/** Reads and validates the configuration; throws `ConfigError` listing every wrong variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const raw = readVariables(env);
  const parsed = envSchema.safeParse(raw);
  const issues = parsed.success
    ? []
    : parsed.error.issues.map((issue) => {
        const variable = String(issue.path[0]);
        return valueIssue(variable, issue.message, raw[variable]);
      });
  issues.push(...combinationIssues(raw));
  if (!parsed.success || issues.length > 0) throw new ConfigError(issues);
  const values = parsed.data;
  return {
    databaseUrl: values.DATABASE_URL,
    temporalAddress: values.TEMPORAL_ADDRESS,
    temporalNamespace: values.TEMPORAL_NAMESPACE,
    temporalTaskQueue: values.TEMPORAL_TASK_QUEUE,
    port: values.PORT,
    host: values.HOST,
    logLevel: values.LOG_LEVEL,
    notifyWebhookUrl: values.NOTIFY_WEBHOOK_URL,
    notifyWebhookSecret: values.NOTIFY_WEBHOOK_SECRET,
    dataDir: path.resolve(values.DATA_DIR),
    ...(values.EMBEDDED_POSTGRES_PORT !== undefined ? { embeddedPostgresPort: values.EMBEDDED_POSTGRES_PORT } : {}),
    ...(values.TEMPORAL_UI_PORT !== undefined ? { temporalUiPort: values.TEMPORAL_UI_PORT } : {}),
    offlineTemporalStore: values.OFFLINE_TEMPORAL_STORE,
    offlineTemporalRetentionMs: values.OFFLINE_TEMPORAL_RETENTION,
    publicBaseUrl: (values.PUBLIC_BASE_URL ?? defaultBaseUrl(values.HOST, values.PORT)).replace(/\/+$/, ''),
    apiRateLimitPerMinute: values.API_RATE_LIMIT_PER_MINUTE,
    ...(values.TRUST_PROXY !== undefined ? { trustProxy: values.TRUST_PROXY } : {}),
    ...(values.WORKER_METRICS_ADDRESS !== undefined ? { workerMetricsAddress: values.WORKER_METRICS_ADDRESS } : {}),
    ...(values.INBOUND_SECRET_KEY !== undefined ? { inboundSecretKey: values.INBOUND_SECRET_KEY } : {}),
    inboundRateLimitPerMinute: values.INBOUND_RATE_LIMIT_PER_MINUTE,
  };
}
