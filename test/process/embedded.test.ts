/**
 * `npm start` as an operator lives with it: killed without warning and started again on the same
 * data directory (posts and report schedules carry on), given a wrong configuration, pointed at a
 * Temporal that is not there, and used by the demo users whose keys it keeps in a file.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { isLivePostgres, lockHolderPid } from '../../db/postmasterLock';
import { LEGACY_PASSWORD } from '../../db/embeddedPostgresPassword';
import { toLocalDateTime } from '../../domain/publishTime';
import { call, closedPort, type Json, type RunningApi } from '../api/http';
import { startProcess, until, type StartedProcess } from '../helpers/processes';
import { WORKFLOW_BUNDLE_ENV, testWorkflowBundlePath } from '../setup/workflowBundle';

const ENTRY = 'test/process/embeddedEntry.ts';
const DAY_MS = 24 * 60 * 60 * 1000;

let dataDir: string;
const started: StartedProcess[] = [];

beforeAll(() => {
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-embedded-'));
});

afterAll(async () => {
  for (const run of started) run.kill();
  await Promise.all(started.map((run) => run.exited));
  const leftover = lockHolderPid(path.join(dataDir, 'postgres'));
  if (leftover !== undefined && isLivePostgres(leftover)) process.kill(leftover, 'SIGQUIT');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

function start(env: Record<string, string> = {}, entry = ENTRY): StartedProcess {
  const run = startProcess(entry, {
    DATA_DIR: dataDir,
    [WORKFLOW_BUNDLE_ENV]: testWorkflowBundlePath(),
    ...env,
  });
  started.push(run);
  return run;
}

async function ready(api: RunningApi): Promise<void> {
  await until(async () => ((await fetch(`${api.baseUrl}/readyz`)).status === 200 ? true : undefined), 30_000);
}

/** The origin of Temporal UI that `npm start` printed in its banner. */
function temporalUiOrigin(output: string): string {
  const match = /Temporal UI:\s+(http:\/\/[^\s/]+)/.exec(output);
  if (!match) throw new Error(`no Temporal UI line in:\n${output}`);
  return match[1];
}

function keyFile(): { users: Record<string, { key: string; roles: string[] }> } {
  return JSON.parse(fs.readFileSync(path.join(dataDir, 'demo-keys.json'), 'utf8'));
}

function modeOf(file: string): number {
  return fs.statSync(file).mode & 0o777;
}

async function postWhen(api: RunningApi, key: string, postId: string, ready: (post: Json) => boolean): Promise<Json> {
  return until(async () => {
    const response = await call(api, 'GET', `/v1/posts/${postId}`, { key });
    return response.status === 200 && ready(response.body.post) ? response.body.post : undefined;
  }, 30_000);
}

/** Creates a post as Alice and has each demo user approve their stage, in order. */
async function driveToScheduled(
  api: RunningApi,
  keys: Record<string, string>,
  post: { riskTier: string; flags: string[] },
  approvals: Array<[stage: string, userId: string]>,
): Promise<string> {
  const postId = await createPost(api, keys, post);
  await approve(api, keys, postId, approvals);
  await postWhen(api, keys.alice, postId, (current) => current.stage === 'scheduled');
  return postId;
}

async function createPost(
  api: RunningApi,
  keys: Record<string, string>,
  post: { riskTier: string; flags: string[] },
): Promise<string> {
  const publishAt = toLocalDateTime({
    instant: new Date(Date.now() + 2 * DAY_MS).toISOString(),
    timeZone: 'Europe/Berlin',
  });
  const created = await call(api, 'POST', '/v1/posts', {
    key: keys.alice,
    body: {
      brandId: 'demo',
      title: `A ${post.riskTier} post (${post.flags.join(', ') || 'no flags'})`,
      ...post,
      publishAt,
      draft: { variants: [{ accountId: 'demo-x', text: 'Our winter blend is here https://example.com/winter' }] },
    },
  });
  expect(created.status).toBe(201);
  return created.body.postId;
}

async function approve(
  api: RunningApi,
  keys: Record<string, string>,
  postId: string,
  approvals: Array<[stage: string, userId: string]>,
): Promise<void> {
  for (const [stage, userId] of approvals) {
    const open = await postWhen(api, keys[userId], postId, (current) => current.openStages?.includes(stage));
    const decided = await call(api, 'POST', `/v1/posts/${postId}/reviews`, {
      key: keys[userId],
      body: { stage, revision: open.revision, decision: 'approve' },
    });
    expect({ stage, userId, status: decided.status }).toEqual({ stage, userId, status: 200 });
  }
}

it('stops with one line naming the variable when the configuration is wrong', async () => {
  const run = start({ EMBEDDED_POSTGRES_PORT: 'any' }, 'worker/allInOne.ts');
  expect(await run.exited).toBe(1);
  expect(run.output().trim().split('\n')).toEqual([
    'socialops could not start: invalid configuration: EMBEDDED_POSTGRES_PORT: expected an integer between 1 and 65535, got "any"',
  ]);
});

it('comes back after being killed, keeps its keys out of the output, and lets the demo users complete regulated and crisis-sensitive posts', async () => {
  const api: RunningApi = { baseUrl: `http://127.0.0.1:${await closedPort()}`, close: async () => undefined };
  const port = new URL(api.baseUrl).port;

  const first = start({ PORT: port });
  await first.waitFor(/socialops is running/);
  await ready(api);
  expect(modeOf(path.join(dataDir, 'demo-keys.json'))).toBe(0o600);
  expect(modeOf(path.join(dataDir, 'postgres-password'))).toBe(0o600);
  const keys = Object.fromEntries(Object.entries(keyFile().users).map(([userId, entry]) => [userId, entry.key]));
  expect(Object.keys(keys)).toEqual(expect.arrayContaining(['alice', 'leo', 'lena', 'fiona', 'felix', 'mia']));
  expect(first.output()).toContain(path.join(dataDir, 'demo-keys.json'));
  for (const key of Object.values(keys)) expect(first.output()).not.toContain(key);
  // A post half-way through review when the process dies: its workflow lives in Postgres too.
  const halfway = await createPost(api, keys, { riskTier: 'standard', flags: [] });
  await approve(api, keys, halfway, [
    ['ideation', 'mia'],
    ['design', 'dan'],
  ]);
  // The brand's weekly report lives only in a Temporal Schedule, kept in Postgres as well.
  const reportSchedule = '/v1/brands/demo/report-schedule';
  const scheduled = await call(api, 'PUT', reportSchedule, {
    key: keys.mia,
    body: { frequency: 'weekly', dayOfWeek: 'friday', time: '16:30', reports: ['responses'] },
  });
  expect(scheduled.status).toBe(200);

  first.kill('SIGKILL');
  await first.exited;
  const postgresPid = lockHolderPid(path.join(dataDir, 'postgres'));
  expect(postgresPid !== undefined && isLivePostgres(postgresPid)).toBe(true);

  const second = start({ PORT: port });
  await second.waitFor(/socialops is running/);
  await ready(api);
  expect(second.output()).toMatch(/stopped the PostgreSQL server an earlier run had left running/);
  expect(isLivePostgres(postgresPid!)).toBe(false);
  for (const key of Object.values(keys)) expect(second.output()).not.toContain(key);
  // The same keys, still valid: nothing reissued, nothing revoked.
  expect(Object.fromEntries(Object.entries(keyFile().users).map(([userId, entry]) => [userId, entry.key]))).toEqual(
    keys,
  );

  // The report schedule is still there, as it was set.
  const kept = await call(api, 'GET', reportSchedule, { key: keys.mia });
  expect({ status: kept.status, body: kept.body }).toEqual({ status: 200, body: scheduled.body });

  // The post killed half-way carries on where it was: not closed as lost, the next stage open.
  await second.waitFor(/open posts reconciled with Temporal/);
  expect(second.output()).toMatch(/"lost":0,"running":1,"msg":"open posts reconciled with Temporal"/);
  await approve(api, keys, halfway, [
    ['copy_edit', 'carla'],
    ['final_approval', 'fiona'],
  ]);
  await postWhen(api, keys.alice, halfway, (current) => current.stage === 'scheduled');

  // Regulated: legal needs two people, and nobody may approve two stages.
  const regulated = await driveToScheduled(api, keys, { riskTier: 'regulated', flags: [] }, [
    ['ideation', 'mia'],
    ['design', 'dan'],
    ['copy_edit', 'carla'],
    ['legal_review', 'leo'],
    ['legal_review', 'lena'],
    ['final_approval', 'fiona'],
  ]);
  // Crisis-sensitive: final approval needs two people.
  const crisis = await driveToScheduled(api, keys, { riskTier: 'standard', flags: ['crisis_sensitive'] }, [
    ['ideation', 'mia'],
    ['design', 'dan'],
    ['copy_edit', 'carla'],
    ['legal_review', 'leo'],
    ['final_approval', 'fiona'],
    ['final_approval', 'felix'],
  ]);
  // Temporal UI's HTTP API finds the post's workflow by its id, with the post's stage on it.
  const ui = temporalUiOrigin(second.output());
  const settings = await fetch(`${ui}/api/v1/settings`);
  expect(((await settings.json()) as Json).DefaultNamespace).toBe('default');
  // The pages are the checked-in build of the UI package, for any path the app routes.
  const page = await fetch(`${ui}/namespaces/default/workflows/post:${regulated}`);
  expect(page.status).toBe(200);
  expect(await page.text()).toMatch(/import\("\/_app\/immutable\/entry\/start\.\w+\.js"\)/);
  const query = encodeURIComponent(`WorkflowId="post:${regulated}"`);
  const listed = (await (await fetch(`${ui}/api/v1/namespaces/default/workflows?query=${query}`)).json()) as Json;
  expect(listed.executions).toHaveLength(1);
  expect(listed.executions[0].searchAttributes.indexedFields).toHaveProperty('PostStage');
  for (const postId of [regulated, crisis]) {
    const published = await call(api, 'POST', `/v1/posts/${postId}/publish-now`, { key: keys.mia, body: {} });
    expect(published.status).toBe(200);
    const post = await postWhen(api, keys.alice, postId, (current) =>
      current.variants.every((variant: Json) => variant.status === 'published'),
    );
    expect(post.variants).toHaveLength(1);
  }

  second.kill('SIGTERM');
  expect(await second.exited).toBe(0);
  const stoppedPid = lockHolderPid(path.join(dataDir, 'postgres'));
  expect(stoppedPid === undefined || !isLivePostgres(stoppedPid)).toBe(true);
}, 240_000);

it('moves a data directory set up with the old fixed password to a generated one, and waits for a Temporal that is not there', async () => {
  // What a data directory initialised by earlier versions looks like: the fixed password, no file.
  const passwordFile = path.join(dataDir, 'postgres-password');
  const postgresPort = await closedPort();
  const previous = start({ EMBEDDED_POSTGRES_PORT: String(postgresPort), PORT: String(await closedPort()) });
  await previous.waitFor(/socialops is running/);
  const admin = new pg.Client({
    host: '127.0.0.1',
    port: postgresPort,
    user: 'postgres',
    database: 'postgres',
    password: fs.readFileSync(passwordFile, 'utf8').trim(),
  });
  await admin.connect();
  await admin.query(`ALTER ROLE postgres PASSWORD '${LEGACY_PASSWORD}'`);
  await admin.end();
  previous.kill('SIGTERM');
  expect(await previous.exited).toBe(0);
  fs.rmSync(passwordFile);

  const temporalAddress = `127.0.0.1:${await closedPort()}`;
  const run = start({ EMBEDDED_POSTGRES_PORT: String(postgresPort), TEMPORAL_ADDRESS: temporalAddress });
  await run.waitFor(/is not reachable \(connection refused\); retrying in/);
  expect(run.output()).not.toMatch(/TransportError|^\s+at /m);

  expect(modeOf(passwordFile)).toBe(0o600);
  const password = fs.readFileSync(passwordFile, 'utf8').trim();
  expect(password).not.toBe(LEGACY_PASSWORD);
  const login = async (candidate: string): Promise<string> => {
    const client = new pg.Client({
      host: '127.0.0.1',
      port: postgresPort,
      user: 'postgres',
      database: 'postgres',
      password: candidate,
    });
    try {
      await client.connect();
      return 'accepted';
    } catch (error) {
      return (error as { code?: string }).code ?? 'failed';
    } finally {
      await client.end().catch(() => undefined);
    }
  };
  expect(await login(password)).toBe('accepted');
  expect(await login(LEGACY_PASSWORD)).toBe('28P01');

  run.kill('SIGTERM');
  expect(await run.exited).toBe(0);
}, 120_000);
