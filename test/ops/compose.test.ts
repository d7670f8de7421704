/**
 * No Docker engine runs where the tests run, so the deployment files are checked by reading
 * them: the compose stack's shape, its start-up order, and the image's build and runtime stages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { CONFIG_VARIABLE_NAMES, loadConfig } from '../../config';

const repoRoot = path.resolve(__dirname, '../..');
const read = (relative: string): string => fs.readFileSync(path.join(repoRoot, relative), 'utf8');

interface Healthcheck {
  test: string[] | string;
}
interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  restart?: string;
  depends_on?: Record<string, { condition: string }> | string[];
  environment?: Record<string, string | number | null> | string[];
  ports?: string[];
  volumes?: string[];
  healthcheck?: Healthcheck;
  entrypoint?: string[] | string;
  command?: string[] | string;
}
interface ComposeFile {
  services: Record<string, Service>;
}

const compose = parse(read('docker-compose.yml'), { merge: true }) as ComposeFile;
const services = compose.services;
const dockerfile = read('Dockerfile');

/** Services that run to completion and gate others; everything else is long-running. */
const ONE_SHOT = ['temporal-schema', 'temporal-admin-tools', 'migrate'];
const LONG_RUNNING = ['postgresql', 'temporal', 'temporal-ui', 'api', 'worker'];

/** Search attributes the post and thread workflows keep current (issue #3 and DESIGN.md). */
const REQUIRED_SEARCH_ATTRIBUTES: Record<string, string> = {
  PostStage: 'Keyword',
  Brand: 'Keyword',
  Campaign: 'Keyword',
  RiskTier: 'Keyword',
  ThreadStatus: 'Keyword',
  ThreadPriority: 'Keyword',
  Queue: 'Keyword',
  AssigneeId: 'Keyword',
  SlaBreached: 'Bool',
};

const SDK_TYPE_TO_CLI_TYPE: Record<string, string> = {
  KEYWORD: 'Keyword',
  TEXT: 'Text',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

function service(name: string): Service {
  const found = services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

function environmentOf(name: string): Record<string, string> {
  const environment = service(name).environment ?? {};
  const entries = Array.isArray(environment)
    ? environment.map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string])
    : Object.entries(environment).map(([key, value]): [string, string] => [key, value === null ? '' : String(value)]);
  return Object.fromEntries(entries);
}

/** What compose hands the container when no override is set: `${X:-d}` becomes d, `${X}` empty. */
function withComposeDefaults(value: string): string {
  return value.replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(?::?-([^}]*))?\}/g, (_whole, fallback?: string) => fallback ?? '');
}

function commandLine(value: string[] | string | undefined): string {
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

function publishedPorts(name: string): Array<{ host: number; container: number }> {
  return (service(name).ports ?? []).map((mapping) => {
    const parts = String(mapping).split(':');
    return { host: Number(parts[parts.length - 2]), container: Number(parts[parts.length - 1]) };
  });
}

function sourceFiles(dir: string): string[] {
  const root = path.join(repoRoot, dir);
  if (!fs.existsSync(root)) return [];
  return fs
    .readdirSync(root, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts'))
    .map((file) => path.join(root, file));
}

/** `dist/api/main.js` is compiled from `api/main.ts`; scripts under deploy/ ship as they are. */
function sourceOf(runtimePath: string): string {
  const compiled = /^dist\/(.+)\.js$/.exec(runtimePath);
  return compiled ? `${compiled[1]}.ts` : runtimePath;
}

function dockerfileStages(): Array<{ from: string; lines: string[] }> {
  const stages: Array<{ from: string; lines: string[] }> = [];
  const args = Object.fromEntries(
    [...dockerfile.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((match) => [match[1] ?? '', match[2] ?? '']),
  );
  for (const line of dockerfile.split('\n')) {
    const from = /^FROM\s+(\S+)/i.exec(line);
    if (from) {
      const image = (from[1] ?? '').replace(/\$\{(\w+)\}/g, (_whole, name: string) => args[name] ?? '');
      stages.push({ from: image, lines: [] });
    } else if (stages.length > 0) {
      stages[stages.length - 1]?.lines.push(line);
    }
  }
  return stages;
}

describe('docker-compose.yml', () => {
  it('runs Postgres, Temporal with its admin steps, Temporal UI, the api and the worker', () => {
    expect(Object.keys(services).sort()).toEqual([...ONE_SHOT, ...LONG_RUNNING].sort());
  });

  it('publishes the API on 3000, Temporal UI on 8080 and Temporal gRPC on 7233', () => {
    expect(publishedPorts('api')).toContainEqual({ host: 3000, container: 3000 });
    expect(publishedPorts('temporal-ui')).toContainEqual({ host: 8080, container: 8080 });
    expect(publishedPorts('temporal')).toContainEqual({ host: 7233, container: 7233 });
  });

  it('keeps every long-running service restarting and health-checked, and lets one-shot steps exit', () => {
    for (const name of LONG_RUNNING) {
      expect({ name, restart: service(name).restart }).toEqual({ name, restart: 'unless-stopped' });
      expect({ name, test: commandLine(service(name).healthcheck?.test) }).toEqual({
        name,
        test: expect.stringMatching(/\S/),
      });
    }
    for (const name of ONE_SHOT) {
      expect({ name, restart: service(name).restart }).toEqual({ name, restart: undefined });
    }
  });

  it('waits for healthy services and for one-shot steps to have succeeded', () => {
    for (const [name, definition] of Object.entries(services)) {
      const dependsOn = definition.depends_on ?? {};
      expect({ name, dependsOnIsAList: Array.isArray(dependsOn) }).toEqual({ name, dependsOnIsAList: false });
      for (const [target, { condition }] of Object.entries(dependsOn as Record<string, { condition: string }>)) {
        expect(Object.keys(services)).toContain(target);
        const expected = ONE_SHOT.includes(target) ? 'service_completed_successfully' : 'service_healthy';
        expect({ name, target, condition }).toEqual({ name, target, condition: expected });
      }
    }
  });

  it('starts things in the order they need each other', () => {
    const waitsFor = (name: string): string[] => Object.keys(service(name).depends_on ?? {});
    expect(waitsFor('temporal-schema')).toContain('postgresql');
    expect(waitsFor('temporal')).toEqual(expect.arrayContaining(['postgresql', 'temporal-schema']));
    expect(waitsFor('temporal-admin-tools')).toContain('temporal');
    expect(waitsFor('temporal-ui')).toContain('temporal');
    expect(waitsFor('migrate')).toContain('postgresql');
    for (const app of ['api', 'worker']) {
      expect(waitsFor(app)).toEqual(
        expect.arrayContaining(['postgresql', 'temporal', 'temporal-admin-tools', 'migrate']),
      );
    }
  });

  it('uses the Temporal server image with a separate schema step, never the deprecated auto-setup image', () => {
    for (const [name, definition] of Object.entries(services)) {
      expect({ name, image: definition.image ?? '' }).not.toEqual({
        name,
        image: expect.stringContaining('auto-setup'),
      });
    }
    expect(service('temporal').image).toMatch(/^temporalio\/server:/);
    expect(service('temporal-schema').image).toMatch(/^temporalio\/admin-tools:/);
    expect(service('temporal-admin-tools').image).toMatch(/^temporalio\/admin-tools:/);
    expect(service('temporal-ui').image).toMatch(/^temporalio\/ui:/);
    expect(service('postgresql').image).toMatch(/^postgres:/);
  });

  it('creates the Temporal databases and brings both schemas up to date with temporal-sql-tool', () => {
    const schemaScript = read('deploy/temporal/setup-schema.sh');
    expect(commandLine(service('temporal-schema').command)).toContain('setup-schema.sh');
    expect(schemaScript).toContain('temporal-sql-tool --plugin postgres12');
    expect(schemaScript).toContain('setup-schema -v 0.0');
    expect(schemaScript).toContain('update-schema -d');
    const initSql = read('deploy/postgres/create-temporal-databases.sql');
    for (const database of ['temporal', 'temporal_visibility']) {
      expect(schemaScript).toContain(`${database}:`);
      expect(initSql).toMatch(new RegExp(`CREATE DATABASE ${database};`));
    }
  });

  it('points the Temporal server and its schema step at the same Postgres with the same credentials', () => {
    const server = environmentOf('temporal');
    const schema = environmentOf('temporal-schema');
    const postgres = environmentOf('postgresql');
    for (const key of ['DB', 'DB_PORT', 'POSTGRES_SEEDS', 'POSTGRES_USER', 'POSTGRES_PWD']) {
      expect({ key, value: schema[key] }).toEqual({ key, value: server[key] });
    }
    expect(server.POSTGRES_SEEDS).toBe('postgresql');
    expect(server.POSTGRES_USER).toBe(postgres.POSTGRES_USER);
    expect(server.POSTGRES_PWD).toBe(postgres.POSTGRES_PASSWORD);
    expect(schema.SQL_PASSWORD).toBe(postgres.POSTGRES_PASSWORD);
  });

  it('registers every search attribute the workflows use, with its type, through the temporal CLI', () => {
    const declared = Object.fromEntries(
      (environmentOf('temporal-admin-tools').SEARCH_ATTRIBUTES ?? '')
        .trim()
        .split(/\s+/)
        .map((pair) => pair.split('=') as [string, string]),
    );
    const used: Record<string, string> = { ...REQUIRED_SEARCH_ATTRIBUTES };
    for (const file of sourceFiles('workflows')) {
      const text = fs.readFileSync(file, 'utf8');
      for (const match of text.matchAll(
        /defineSearchAttributeKey\(\s*['"`](\w+)['"`]\s*,\s*(?:SearchAttributeType\.)?['"`]?(\w+)/g,
      )) {
        used[match[1] ?? ''] = SDK_TYPE_TO_CLI_TYPE[match[2] ?? ''] ?? `unknown type ${match[2]}`;
      }
    }
    for (const [name, type] of Object.entries(used)) {
      expect({ name, type: declared[name] }).toEqual({ name, type });
    }
    const registerScript = read('deploy/temporal/register-namespace.sh');
    expect(commandLine(service('temporal-admin-tools').command)).toContain('register-namespace.sh');
    expect(registerScript).toContain('for pair in $SEARCH_ATTRIBUTES');
    expect(registerScript).toContain('temporal operator search-attribute create');
    expect(registerScript).toContain('temporal operator namespace create');
  });

  it('registers the namespace the api and worker use, and shows it in Temporal UI', () => {
    const namespace = environmentOf('api').TEMPORAL_NAMESPACE;
    expect(environmentOf('worker').TEMPORAL_NAMESPACE).toBe(namespace);
    expect(environmentOf('temporal-admin-tools').TEMPORAL_NAMESPACE).toBe(namespace);
    expect(environmentOf('temporal-ui').TEMPORAL_DEFAULT_NAMESPACE).toBe(namespace);
  });

  it("serves the worker's SDK metrics on the compose network for Prometheus", () => {
    expect(environmentOf('worker').WORKER_METRICS_ADDRESS).toBe('0.0.0.0:9464');
    expect((service('worker') as { expose?: string[] }).expose).toEqual(['9464']);
  });

  it('builds the api, worker and migration step from the project Dockerfile as one image', () => {
    const images = new Set<string | undefined>();
    for (const name of ['api', 'worker', 'migrate']) {
      const build = service(name).build;
      const context = typeof build === 'string' ? build : build?.context;
      const file = typeof build === 'string' ? 'Dockerfile' : (build?.dockerfile ?? 'Dockerfile');
      expect({ name, context, file }).toEqual({ name, context: '.', file: 'Dockerfile' });
      images.add(service(name).image);
    }
    expect(images.size).toBe(1);
    expect(commandLine(service('api').command)).toBe('node dist/api/main.js');
    expect(commandLine(service('worker').command)).toBe('node dist/worker/main.js');
    expect(commandLine(service('migrate').command)).toBe('node deploy/migrate.js');
  });

  it('gives the api and worker the compose Postgres and Temporal, in a configuration loadConfig accepts', () => {
    for (const name of ['api', 'worker', 'migrate']) {
      const environment = environmentOf(name);
      for (const variable of Object.keys(environment)) expect(CONFIG_VARIABLE_NAMES).toContain(variable);
      const resolved = Object.fromEntries(
        Object.entries(environment).map(([key, value]) => [key, withComposeDefaults(value)]),
      );
      const config = loadConfig(resolved);
      expect(config.databaseUrl).toBeDefined();
      const database = new URL(config.databaseUrl ?? '');
      expect(database.hostname).toBe('postgresql');
      expect(database.username).toBe(environmentOf('postgresql').POSTGRES_USER);
      expect(database.pathname).toBe(`/${environmentOf('postgresql').POSTGRES_DB}`);
      expect(config.temporalAddress).toBe('temporal:7233');
      expect(config.host).toBe('0.0.0.0');
      expect(config.port).toBe(3000);
    }
  });

  it('mounts only files that exist in the repository', () => {
    for (const [name, definition] of Object.entries(services)) {
      for (const volume of definition.volumes ?? []) {
        const source = volume.split(':')[0] ?? '';
        if (!source.startsWith('./')) continue;
        expect({ name, source, exists: fs.existsSync(path.join(repoRoot, source)) }).toEqual({
          name,
          source,
          exists: true,
        });
      }
    }
  });

  it('health-checks the api and worker with the probe shipped in the image', () => {
    expect(commandLine(service('api').healthcheck?.test)).toBe('CMD node deploy/healthcheck.js api');
    expect(commandLine(service('worker').healthcheck?.test)).toBe('CMD node deploy/healthcheck.js worker');
    expect(dockerfile).toMatch(/COPY .*deploy\/healthcheck\.js/);
  });
});

describe('Dockerfile', () => {
  const stages = dockerfileStages();
  const finalStage = stages[stages.length - 1];

  it('builds on a glibc (non-Alpine) Node image in every stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) {
      expect(stage.from).toMatch(/^node:\d+/);
      expect(stage.from).not.toMatch(/alpine/i);
    }
  });

  it('compiles the project and prebuilds the workflow bundle the worker loads', () => {
    const build = stages[0]?.lines.join('\n') ?? '';
    expect(build).toContain('npm ci');
    expect(build).toContain('npm run build');
    expect(build).toContain('node dist/worker/bundleWorkflows.js');
    expect(build).toContain('dist/workflow-bundle.js');
  });

  it("copies every workspace package's manifest before npm ci, in every stage that installs", () => {
    const workspaces = fs
      .readdirSync(path.join(repoRoot, 'packages'))
      .filter((name) => fs.existsSync(path.join(repoRoot, 'packages', name, 'package.json')));
    expect(workspaces).toEqual(expect.arrayContaining(['temporal-devserver', 'temporal-ui']));
    for (const stage of stages) {
      const text = stage.lines.join('\n');
      const install = text.search(/^RUN npm ci/m);
      if (install < 0) continue;
      for (const name of workspaces) {
        const copied = text.indexOf(`COPY packages/${name}/package.json ./packages/${name}/`);
        expect({ name, copiedBeforeInstall: copied >= 0 && copied < install }).toEqual({
          name,
          copiedBeforeInstall: true,
        });
      }
    }
  });

  it('ships production dependencies only and runs as a non-root user', () => {
    const runtime = finalStage?.lines.join('\n') ?? '';
    expect(runtime).toMatch(/npm ci --omit=dev/);
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    const users = [...runtime.matchAll(/^USER\s+(\S+)/gm)].map((match) => match[1]);
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]).not.toMatch(/^(root|0)(:.*)?$/);
  });

  it('starts the API by default and binds every interface inside the container', () => {
    const runtime = finalStage?.lines.join('\n') ?? '';
    expect(runtime).toMatch(/CMD \["node", "dist\/api\/main\.js"\]/);
    expect(runtime).toMatch(/HOST=0\.0\.0\.0/);
  });

  it('keeps local state and dependencies out of the build context', () => {
    const ignored = read('.dockerignore')
      .split('\n')
      .map((line) => line.trim());
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', '.git', '.env']));
  });
});

describe('entry points named by the deployment files', () => {
  const nodeCommands = [
    ...Object.values(services).flatMap((definition) => [
      commandLine(definition.command),
      commandLine(definition.healthcheck?.test),
    ]),
    ...[...dockerfile.matchAll(/node (\S+\.js)/g)].map((match) => `node ${match[1]}`),
    ...[...dockerfile.matchAll(/CMD \[(.*)\]/g)].map((match) => (JSON.parse(`[${match[1]}]`) as string[]).join(' ')),
  ];
  const scripts = [
    ...new Set(nodeCommands.flatMap((line) => [...line.matchAll(/node (\S+\.js)/g)].map((match) => match[1] ?? ''))),
  ];

  it.each(scripts)('%s has a source file in the repository', (script) => {
    expect(fs.existsSync(path.join(repoRoot, sourceOf(script)))).toBe(true);
  });

  it.each(['deploy/healthcheck.js', 'deploy/migrate.js'])(
    '%s uses only functions the compiled modules export',
    (script) => {
      const text = read(script);
      for (const match of text.matchAll(/const \{([^}]+)\} = require\('\.\.\/(dist\/[^']+)'\)/g)) {
        const source = read(sourceOf(match[2] ?? ''));
        for (const name of (match[1] ?? '').split(',').map((part) => part.trim())) {
          expect({
            script,
            name,
            exported: new RegExp(`export (async )?(function|const|class) ${name}\\b`).test(source),
          }).toEqual({
            script,
            name,
            exported: true,
          });
        }
      }
    },
  );
});
