import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  CONFIG_VARIABLE_NAMES,
  ConfigError,
  describeConfig,
  loadConfig,
  renderConfigTable,
  type ConfigIssue,
} from '../../config';

const SECRET = 'a-signing-secret-of-some-length';

function issuesFor(env: NodeJS.ProcessEnv): ConfigIssue[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.issues;
    throw error;
  }
  throw new Error('expected the configuration to be refused');
}

describe('loadConfig', () => {
  it('runs fully embedded when nothing is configured', () => {
    const config = loadConfig({});
    expect(config).toEqual({
      databaseUrl: undefined,
      temporalAddress: undefined,
      temporalNamespace: 'default',
      temporalTaskQueue: 'socialops',
      port: 3000,
      host: '127.0.0.1',
      logLevel: 'info',
      notifyWebhookUrl: undefined,
      notifyWebhookSecret: undefined,
      dataDir: path.resolve('.data'),
      offlineTemporalStore: 'postgres',
      offlineTemporalRetentionMs: 86_400_000,
      publicBaseUrl: 'http://127.0.0.1:3000',
      apiRateLimitPerMinute: 600,
      inboundRateLimitPerMinute: 120_000,
    });
  });

  it('keeps the offline server in memory only when asked, and refuses other stores', () => {
    expect(loadConfig({ OFFLINE_TEMPORAL_STORE: 'memory' }).offlineTemporalStore).toBe('memory');
    expect(() => loadConfig({ OFFLINE_TEMPORAL_STORE: 'sqlite' })).toThrow(/OFFLINE_TEMPORAL_STORE/);
  });

  it("reads the offline server's retention as a Temporal duration within bounds", () => {
    expect(loadConfig({ OFFLINE_TEMPORAL_RETENTION: '72h' }).offlineTemporalRetentionMs).toBe(72 * 3_600_000);
    expect(loadConfig({ OFFLINE_TEMPORAL_RETENTION: '7d' }).offlineTemporalRetentionMs).toBe(7 * 86_400_000);
    for (const bad of ['soon', '-1d', '0', '30s', '3651d'])
      expect(() => loadConfig({ OFFLINE_TEMPORAL_RETENTION: bad })).toThrow(/OFFLINE_TEMPORAL_RETENTION/);
  });

  it('uses external Postgres and Temporal when their addresses are given', () => {
    const config = loadConfig({
      DATABASE_URL: 'postgres://socialops:pw@db.internal:5432/socialops',
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'socialops-prod',
      TEMPORAL_TASK_QUEUE: 'posts.v2',
    });
    expect(config.databaseUrl).toBe('postgres://socialops:pw@db.internal:5432/socialops');
    expect(config.temporalAddress).toBe('temporal:7233');
    expect(config.temporalNamespace).toBe('socialops-prod');
    expect(config.temporalTaskQueue).toBe('posts.v2');
  });

  it('accepts the postgresql:// scheme and bracketed IPv6 Temporal addresses', () => {
    const config = loadConfig({ DATABASE_URL: 'postgresql://localhost/app', TEMPORAL_ADDRESS: '[::1]:7233' });
    expect(config.databaseUrl).toBe('postgresql://localhost/app');
    expect(config.temporalAddress).toBe('[::1]:7233');
  });

  it('treats blank variables as unset and trims surrounding whitespace', () => {
    const config = loadConfig({ DATABASE_URL: '', TEMPORAL_ADDRESS: '   ', PORT: ' 8080 ', LOG_LEVEL: 'debug\n' });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.temporalAddress).toBeUndefined();
    expect(config.port).toBe(8080);
    expect(config.logLevel).toBe('debug');
  });

  it('ignores variables it does not know', () => {
    expect(() => loadConfig({ PATH: '/usr/bin', SOMETHING_ELSE: '??' })).not.toThrow();
  });

  describe('PORT', () => {
    it.each(['1', '3000', '65535'])('accepts %s', (port) => {
      expect(loadConfig({ PORT: port }).port).toBe(Number(port));
    });

    it.each(['abc', '0', '65536', '30.5', '-1', '3e3'])('refuses %j and names the variable', (port) => {
      expect(issuesFor({ PORT: port })).toEqual([
        { variable: 'PORT', problem: `expected an integer between 1 and 65535, got "${port}"` },
      ]);
    });

    it('puts the variable, the rule and the value in the error message', () => {
      expect(() => loadConfig({ PORT: 'abc' })).toThrow('PORT: expected an integer between 1 and 65535, got "abc"');
    });
  });

  describe('HOST', () => {
    it.each(['0.0.0.0', 'localhost', 'api.example.com', '::'])('accepts %s', (host) => {
      expect(loadConfig({ HOST: host }).host).toBe(host);
    });

    it('refuses a value with spaces or a scheme', () => {
      expect(issuesFor({ HOST: 'my host' })[0]?.variable).toBe('HOST');
      expect(issuesFor({ HOST: 'http://localhost' })[0]?.variable).toBe('HOST');
    });
  });

  describe('LOG_LEVEL', () => {
    it.each(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])('accepts the pino level %s', (level) => {
      expect(loadConfig({ LOG_LEVEL: level }).logLevel).toBe(level);
    });

    it('refuses an unknown level and lists the allowed ones', () => {
      expect(issuesFor({ LOG_LEVEL: 'verbose' })).toEqual([
        {
          variable: 'LOG_LEVEL',
          problem: 'expected one of fatal, error, warn, info, debug, trace, silent, got "verbose"',
        },
      ]);
    });
  });

  describe('DATABASE_URL', () => {
    it('refuses a non-Postgres URL without echoing the credentials in it', () => {
      const issues = issuesFor({ DATABASE_URL: 'mysql://root:hunter2@db/app' });
      expect(issues).toEqual([
        { variable: 'DATABASE_URL', problem: 'expected a postgres:// or postgresql:// URL (value not shown)' },
      ]);
      expect(JSON.stringify(issues)).not.toContain('hunter2');
    });

    it('refuses a value that is not a URL at all', () => {
      expect(issuesFor({ DATABASE_URL: 'localhost:5432' })[0]?.variable).toBe('DATABASE_URL');
    });
  });

  describe('TEMPORAL_ADDRESS', () => {
    it.each(['http://temporal:7233', 'temporal', 'temporal:port', 'temporal:70000'])('refuses %j', (address) => {
      expect(issuesFor({ TEMPORAL_ADDRESS: address })).toEqual([
        {
          variable: 'TEMPORAL_ADDRESS',
          problem: `expected host:port (for example temporal:7233), without a scheme, got "${address}"`,
        },
      ]);
    });
  });

  describe('TEMPORAL_NAMESPACE and TEMPORAL_TASK_QUEUE', () => {
    it('refuses names with spaces or slashes', () => {
      expect(
        issuesFor({ TEMPORAL_NAMESPACE: 'my namespace', TEMPORAL_TASK_QUEUE: 'a/b' }).map((i) => i.variable),
      ).toEqual(['TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE']);
    });
  });

  describe('notification webhook', () => {
    it('is off when neither the URL nor the secret is set', () => {
      const config = loadConfig({});
      expect(config.notifyWebhookUrl).toBeUndefined();
      expect(config.notifyWebhookSecret).toBeUndefined();
    });

    it('carries the URL and the secret when both are set', () => {
      const config = loadConfig({
        NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/socialops',
        NOTIFY_WEBHOOK_SECRET: SECRET,
      });
      expect(config.notifyWebhookUrl).toBe('https://hooks.example.com/socialops');
      expect(config.notifyWebhookSecret).toBe(SECRET);
    });

    it('requires a secret once the URL is set, since every notification is signed', () => {
      expect(issuesFor({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x' })).toEqual([
        {
          variable: 'NOTIFY_WEBHOOK_SECRET',
          problem: 'required when NOTIFY_WEBHOOK_URL is set (notifications are signed)',
        },
      ]);
    });

    it('refuses a secret without a URL, which would otherwise hide a misspelt URL variable', () => {
      expect(issuesFor({ NOTIFY_WEBHOOK_SECRET: SECRET }).map((i) => i.variable)).toEqual(['NOTIFY_WEBHOOK_SECRET']);
    });

    it('refuses a short secret without showing it', () => {
      const issues = issuesFor({ NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x', NOTIFY_WEBHOOK_SECRET: 'letmein' });
      expect(issues).toEqual([
        { variable: 'NOTIFY_WEBHOOK_SECRET', problem: 'expected at least 16 characters (value not shown)' },
      ]);
    });

    it('refuses a URL that is not http or https', () => {
      expect(issuesFor({ NOTIFY_WEBHOOK_URL: 'ftp://files.example.com', NOTIFY_WEBHOOK_SECRET: SECRET })).toEqual([
        {
          variable: 'NOTIFY_WEBHOOK_URL',
          problem: 'expected an http:// or https:// URL, got "ftp://files.example.com"',
        },
      ]);
    });
  });

  describe('DATA_DIR', () => {
    it('resolves a relative directory against the working directory', () => {
      expect(loadConfig({ DATA_DIR: 'var/pg' }).dataDir).toBe(path.resolve('var/pg'));
    });

    it('keeps an absolute directory as given', () => {
      expect(loadConfig({ DATA_DIR: '/srv/socialops/pg' }).dataDir).toBe('/srv/socialops/pg');
    });
  });

  describe('EMBEDDED_POSTGRES_PORT', () => {
    it('is unset by default: the embedded Postgres takes a free port', () => {
      expect(loadConfig({}).embeddedPostgresPort).toBeUndefined();
    });

    it('fixes the port when given', () => {
      expect(loadConfig({ EMBEDDED_POSTGRES_PORT: '54329' }).embeddedPostgresPort).toBe(54329);
    });

    it.each(['0', '65536', 'auto', '5432.5'])('refuses %j and names the variable', (value) => {
      expect(issuesFor({ EMBEDDED_POSTGRES_PORT: value })).toEqual([
        { variable: 'EMBEDDED_POSTGRES_PORT', problem: `expected an integer between 1 and 65535, got "${value}"` },
      ]);
    });
  });

  describe('TEMPORAL_UI_PORT', () => {
    it('is unset by default: the UI sits at the Temporal port + 1000', () => {
      expect(loadConfig({}).temporalUiPort).toBeUndefined();
    });

    it('fixes the port, or turns the UI off', () => {
      expect(loadConfig({ TEMPORAL_UI_PORT: '18233' }).temporalUiPort).toBe(18233);
      expect(loadConfig({ TEMPORAL_UI_PORT: 'off' }).temporalUiPort).toBe('off');
    });

    it.each(['0', '65536', 'no', '8233.5'])('refuses %j and names the variable', (value) => {
      expect(issuesFor({ TEMPORAL_UI_PORT: value })).toEqual([
        { variable: 'TEMPORAL_UI_PORT', problem: `expected an integer between 1 and 65535, or off, got "${value}"` },
      ]);
    });
  });

  describe('PUBLIC_BASE_URL', () => {
    it('is derived from HOST and PORT when unset', () => {
      expect(loadConfig({ HOST: 'api.local', PORT: '8080' }).publicBaseUrl).toBe('http://api.local:8080');
    });

    it('points at the loopback address when the API binds every interface', () => {
      expect(loadConfig({ HOST: '0.0.0.0', PORT: '3000' }).publicBaseUrl).toBe('http://127.0.0.1:3000');
    });

    it('brackets an IPv6 host', () => {
      expect(loadConfig({ HOST: '::1' }).publicBaseUrl).toBe('http://[::1]:3000');
    });

    it('uses the given URL without its trailing slash', () => {
      expect(loadConfig({ PUBLIC_BASE_URL: 'https://social.example.com/' }).publicBaseUrl).toBe(
        'https://social.example.com',
      );
    });

    it('refuses a value that is not an http(s) URL', () => {
      expect(issuesFor({ PUBLIC_BASE_URL: 'social.example.com' })[0]?.variable).toBe('PUBLIC_BASE_URL');
    });
  });

  describe('API_RATE_LIMIT_PER_MINUTE', () => {
    it.each([
      ['0', 0],
      ['1', 1],
      ['6000', 6000],
    ])('accepts %s', (value, expected) => {
      expect(loadConfig({ API_RATE_LIMIT_PER_MINUTE: value }).apiRateLimitPerMinute).toBe(expected);
    });

    it.each(['-1', 'abc', '1.5', '1e3', '600/min', '99999999999999999999'])(
      'refuses %j and names the variable',
      (value) => {
        expect(issuesFor({ API_RATE_LIMIT_PER_MINUTE: value })).toEqual([
          {
            variable: 'API_RATE_LIMIT_PER_MINUTE',
            problem: `expected a whole number of requests per minute (0 turns limiting off), got "${value}"`,
          },
        ]);
      },
    );

    it('stops the process with a message naming the variable', () => {
      expect(() => loadConfig({ API_RATE_LIMIT_PER_MINUTE: '-5' })).toThrow(
        /API_RATE_LIMIT_PER_MINUTE: expected a whole number/,
      );
    });
  });

  describe('TRUST_PROXY', () => {
    it('is unset by default: the connecting address is the client', () => {
      expect(loadConfig({}).trustProxy).toBeUndefined();
    });

    it.each([
      ['1', 1],
      ['0', 0],
      ['loopback', ['loopback']],
      ['10.0.0.0/8, 172.16.0.5 ,uniquelocal', ['10.0.0.0/8', '172.16.0.5', 'uniquelocal']],
      ['fd00::/8,::1', ['fd00::/8', '::1']],
    ])('accepts %j', (value, expected) => {
      expect(loadConfig({ TRUST_PROXY: value }).trustProxy).toEqual(expected);
    });

    it.each(['true', 'all', '10.0.0.0/33', '10.0.0', 'fd00::/129', '10.0.0.0/8/8', '-1', 'loopback,'])(
      'refuses %j and names the variable',
      (value) => {
        expect(issuesFor({ TRUST_PROXY: value })).toEqual([
          {
            variable: 'TRUST_PROXY',
            problem: expect.stringMatching(/^expected a number of proxy hops, or proxy addresses and subnets/),
          },
        ]);
      },
    );
  });

  describe('WORKER_METRICS_ADDRESS', () => {
    it.each(['0.0.0.0:9464', '127.0.0.1:1', '[::]:9464', '[::1]:65535'])('accepts %j', (value) => {
      expect(loadConfig({ WORKER_METRICS_ADDRESS: value }).workerMetricsAddress).toBe(value);
    });

    it.each([
      'localhost:9464',
      '9464',
      '0.0.0.0',
      '0.0.0.0:0',
      '0.0.0.0:70000',
      '999.0.0.1:9464',
      '[nope]:9464',
      'http://0.0.0.0:9464',
    ])('refuses %j and names the variable', (value) => {
      expect(issuesFor({ WORKER_METRICS_ADDRESS: value })).toEqual([
        {
          variable: 'WORKER_METRICS_ADDRESS',
          problem: expect.stringMatching(/^expected an IP address and port to listen on/),
        },
      ]);
    });
  });

  it('reports every wrong variable at once, not only the first', () => {
    const issues = issuesFor({
      PORT: 'abc',
      LOG_LEVEL: 'loud',
      TEMPORAL_ADDRESS: 'temporal',
      NOTIFY_WEBHOOK_URL: 'https://hooks.example.com/x',
    });
    expect(issues.map((issue) => issue.variable).sort()).toEqual(
      ['LOG_LEVEL', 'NOTIFY_WEBHOOK_SECRET', 'PORT', 'TEMPORAL_ADDRESS'].sort(),
    );
    const error = (() => {
      try {
        loadConfig({ PORT: 'abc', LOG_LEVEL: 'loud' });
      } catch (caught) {
        return caught as Error;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toContain('PORT: expected an integer between 1 and 65535, got "abc"');
    expect(error?.message).toContain('LOG_LEVEL: expected one of');
  });
});

describe('describeConfig', () => {
  it('documents exactly the variables loadConfig reads', () => {
    expect(describeConfig().map((variable) => variable.name)).toEqual([...CONFIG_VARIABLE_NAMES]);
  });

  it('gives every variable a meaning and a default', () => {
    for (const variable of describeConfig()) {
      expect(variable.meaning.length).toBeGreaterThan(10);
      expect(variable.default.length).toBeGreaterThan(0);
    }
  });

  it('states the defaults loadConfig applies', () => {
    const defaults = Object.fromEntries(describeConfig().map((variable) => [variable.name, variable.default]));
    const config = loadConfig({});
    expect(defaults.TEMPORAL_NAMESPACE).toBe(config.temporalNamespace);
    expect(defaults.TEMPORAL_TASK_QUEUE).toBe(config.temporalTaskQueue);
    expect(defaults.PORT).toBe(String(config.port));
    expect(defaults.HOST).toBe(config.host);
    expect(defaults.LOG_LEVEL).toBe(config.logLevel);
    expect(path.resolve(defaults.DATA_DIR ?? '')).toBe(config.dataDir);
    expect(defaults.API_RATE_LIMIT_PER_MINUTE).toBe(String(config.apiRateLimitPerMinute));
  });

  it('renders a Markdown table with one row per variable', () => {
    const lines = renderConfigTable().split('\n');
    expect(lines[0]).toBe('| variable | default | meaning |');
    expect(lines).toHaveLength(2 + CONFIG_VARIABLE_NAMES.length);
    for (const name of CONFIG_VARIABLE_NAMES) {
      expect(lines.some((line) => line.startsWith(`| \`${name}\` |`))).toBe(true);
    }
  });

  it('is the configuration table in the README', () => {
    const readme = readFileSync(path.join(__dirname, '../../README.md'), 'utf8');
    // Whole, with nothing added before or after it.
    expect(readme).toContain(`\n${renderConfigTable()}\n\n`);
  });
});
