/**
 * Temporal UI in a real browser against the embedded stack: what an admin sees of socialops'
 * posts. One stack and one headless Chromium for the file; four posts: one in legal review, two
 * in copy edit, one cancelled.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'puppeteer-core';
import { postWorkflowId } from '../../domain/ids';
import { call, type Json } from '../api/http';
import { createPost, postWhen, stageOpen, type LiveApi } from '../api/liveApi';
import { insertBrandFixture, type BrandFixture } from '../helpers/db';
import { historyAsProtoJson, startUiStack, type UiStack } from './uiStack';

let stack: UiStack;
let fixture: BrandFixture;
let page: Page;
/** Post ids: `legal` waits for legal review, `copyEdit` and `waiting` for copy edit, `cancelled` is closed. */
const posts = { legal: '', copyEdit: '', waiting: '', cancelled: '' };

const key = (role: keyof BrandFixture['users']): string => fixture.users[role].apiKey;
const live = (): LiveApi =>
  ({ api: stack.api, harness: { env: { currentTimeMs: async () => Date.now() } } }) as unknown as LiveApi;

async function newPost(flags: string[]): Promise<string> {
  const created = await createPost(live(), fixture, { body: { flags } });
  if (created.status !== 201) throw new Error(`creating a post failed: ${created.status} ${created.text}`);
  await postWhen(live(), key('viewer'), created.body.postId, stageOpen('copy_edit'));
  return created.body.postId;
}

async function approve(postId: string, stage: string, role: keyof BrandFixture['users']): Promise<void> {
  const { post } = await postWhen(live(), key('viewer'), postId, stageOpen(stage));
  const decided = await call(stack.api, 'POST', `/v1/posts/${postId}/reviews`, {
    key: key(role),
    body: { stage, revision: post.revision, decision: 'approve' },
  });
  if (decided.status !== 200) throw new Error(`review failed: ${decided.status} ${decided.text}`);
}

const handleOf = (postId: string) => stack.client.workflow.getHandle(postWorkflowId(postId));

/** The SDK's own reading of a run's history, as protobuf JSON. */
async function sdkHistory(postId: string): Promise<Json> {
  return historyAsProtoJson(await handleOf(postId).fetchHistory());
}

async function runOf(postId: string): Promise<string> {
  return (await handleOf(postId).describe()).runId;
}

function runPath(postId: string, runId: string, tab: string): string {
  return `/namespaces/default/workflows/${encodeURIComponent(postWorkflowId(postId))}/${runId}/${tab}`;
}

async function open(pathAndQuery: string): Promise<void> {
  await page.goto(`${stack.uiUrl}${pathAndQuery}`, { waitUntil: 'domcontentloaded' });
}

/** Texts of every element matching `selector` once `ready` holds for them. */
async function textsWhen(selector: string, ready: (texts: string[]) => boolean, timeoutMs = 20_000): Promise<string[]> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const texts = await page.$$eval(selector, (elements) =>
      elements.map((element) => (element as unknown as { innerText?: string }).innerText ?? element.textContent ?? ''),
    );
    const normalised = texts.map((text) => text.replace(/\s+/g, ' ').trim());
    if (ready(normalised)) return normalised;
    if (Date.now() > giveUpAt) throw new Error(`${selector} never got ready; last seen: ${JSON.stringify(normalised)}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

const eventIdsOnPage = (): Promise<number[]> =>
  page.$$eval('[data-testid="event-summary-row"]', (rows) =>
    rows.map((row) => Number(row.getAttribute('data-eventid'))),
  );

beforeAll(async () => {
  stack = await startUiStack();
  fixture = await insertBrandFixture(stack.db, { platforms: ['x'], timeZone: 'Europe/Berlin' });
  posts.legal = await newPost(['pricing']);
  posts.copyEdit = await newPost([]);
  posts.waiting = await newPost([]);
  posts.cancelled = await newPost([]);
  await approve(posts.legal, 'copy_edit', 'copy_editor');
  await postWhen(live(), key('viewer'), posts.legal, stageOpen('legal_review'));
  const cancelled = await call(stack.api, 'POST', `/v1/posts/${posts.cancelled}/cancel`, {
    key: key('manager'),
    body: { reason: 'duplicate' },
  });
  expect(cancelled.status).toBe(200);
  await handleOf(posts.cancelled).result();
  page = await stack.newPage();
}, 180_000);

afterAll(async () => {
  await stack?.teardown();
});

it('lists every post with the count of runs in each status', async () => {
  await open('/namespaces/default/workflows');
  const rows = await textsWhen(
    '[data-testid="workflows-summary-configurable-table-row"]',
    (texts) => texts.length === 4,
  );
  for (const postId of Object.values(posts)) {
    expect(rows.filter((row) => row.includes(postWorkflowId(postId)))).toHaveLength(1);
  }
  expect(rows.find((row) => row.includes(postWorkflowId(posts.cancelled)))).toMatch(/^Completed/);
  expect(rows.filter((row) => row.startsWith('Running'))).toHaveLength(3);
  const [running] = await textsWhen('[data-testid="workflow-status-Running"]', (texts) => texts.length === 1);
  const [completed] = await textsWhen('[data-testid="workflow-status-Completed"]', (texts) => texts.length === 1);
  expect(running).toBe('3 Running');
  expect(completed).toBe('1 Completed');
});

it('narrows the list to the posts in legal review with a PostStage filter', async () => {
  await open(`/namespaces/default/workflows?query=${encodeURIComponent('PostStage="legal_review"')}`);
  const rows = await textsWhen(
    '[data-testid="workflows-summary-configurable-table-row"]',
    (texts) => texts.length === 1 && !texts[0].includes(postWorkflowId(posts.copyEdit)),
  );
  expect(rows[0]).toContain(postWorkflowId(posts.legal));
  const [chips] = await textsWhen('body', (texts) => texts.length === 1);
  expect(chips).toContain('PostStage = "legal_review"');

  // And a stage nobody is in lists nothing.
  await open(`/namespaces/default/workflows?query=${encodeURIComponent('PostStage="final_approval"')}`);
  await textsWhen('[data-testid="workflow-count"]', (texts) => texts.length === 1 && texts[0] === '0');
  expect(await page.$$('[data-testid="workflows-summary-configurable-table-row"]')).toHaveLength(0);
});

it("offers socialops' own search attributes in the list's filter menu and on the namespace page", async () => {
  const ours = ['PostStage', 'Brand', 'Campaign', 'RiskTier', 'ThreadStatus', 'ThreadPriority', 'Queue', 'AssigneeId'];
  await open('/namespaces/default/workflows');
  await page.waitForSelector('#search-attribute-filter-button');
  await page.click('#search-attribute-filter-button');
  const menu = await textsWhen(
    '#search-attribute-menu',
    (texts) => texts.length === 1 && texts[0].includes('PostStage'),
  );
  for (const name of [...ours, 'SlaBreached']) expect(menu[0]).toContain(name);

  await open('/namespaces/default');
  const table = await textsWhen('[data-testid="search-attributes"] tbody tr', (texts) =>
    texts.some((row) => row.startsWith('PostStage')),
  );
  for (const name of ours) expect(table).toContain(`${name} Keyword custom`);
  expect(table).toContain('SlaBreached Bool custom');
});

it("shows a post's history in order with its input as readable JSON", async () => {
  const history = await sdkHistory(posts.legal);
  const runId = await runOf(posts.legal);
  await open(runPath(posts.legal, runId, 'history'));
  const rows = await textsWhen('[data-testid="event-summary-row"]', (texts) => texts.length === history.events.length);
  // Newest first, every event once, none missing.
  expect(await eventIdsOnPage()).toEqual(history.events.map((event: Json) => Number(event.eventId)).reverse());
  expect(rows[rows.length - 1]).toContain('Workflow Execution Started');
  expect(rows[0]).toContain('Workflow Execution Update Completed');
  expect(rows[0]).toContain('{"stage":"legal_review","revision":1}');

  const [input] = await textsWhen(
    '[data-testid="input-and-result"]',
    (texts) => texts.length === 1 && texts[0].includes('postId'),
  );
  expect(input).toContain(`"postId": "${posts.legal}"`);
  expect(input).toContain(`"brandId": "${fixture.brand.id}"`);
  expect(input).toContain('"flags": [ "pricing" ]');
});

it('answers getPostState on the query tab', async () => {
  const runId = await runOf(posts.legal);
  await open(runPath(posts.legal, runId, 'query'));
  // The query types come from the workflow itself (its metadata query); ours is the one selected.
  await page.waitForFunction(`document.querySelector('input[data-testid="query-select"]')?.value === 'getPostState'`, {
    timeout: 20_000,
  });
  const runButton = await page.waitForSelector('::-p-text(Run Query)');
  await runButton!.click();
  const [result] = await textsWhen(
    '[data-testid="query-result"]',
    (texts) => texts.length === 1 && texts[0].includes('"stage"'),
  );
  expect(result).toContain(`"postId": "${posts.legal}"`);
  expect(result).toContain('"stage": "legal_review"');
  expect(result).toContain('"openStages": [ "legal_review" ]');
});

it('downloads the same history the SDK reads, from the raw history link and the download button', async () => {
  const history = await sdkHistory(posts.legal);
  const runId = await runOf(posts.legal);

  // "View raw history": the UI's page hands the browser over to the API's history.json.
  await open(runPath(posts.legal, runId, 'history.json'));
  await page.waitForFunction(`location.pathname.startsWith('/api/v1/')`, { timeout: 20_000 });
  const raw = await page.waitForSelector('pre');
  const rawText = (await raw!.evaluate((element) => element.textContent)) ?? '';
  expect({ url: page.url(), history: JSON.parse(rawText) }).toEqual({
    url: expect.stringContaining('history.json'),
    history,
  });

  // "Download", encoded: the file the browser saves.
  const downloads = fs.mkdtempSync(path.join(os.tmpdir(), 'socialops-ui-download-'));
  try {
    const cdp = await page.createCDPSession();
    await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
    await open(runPath(posts.legal, runId, 'history'));
    await (await page.waitForSelector('[data-testid="download"]'))!.click();
    await (await page.waitForSelector('#use-encoded-setting', { visible: true }))!.click();
    await (await page.waitForSelector('#download-history [data-testid="confirm-modal-button"]', {
      visible: true,
    }))!.click();
    const giveUpAt = Date.now() + 20_000;
    let saved: string[] = [];
    while (!(saved = fs.readdirSync(downloads).filter((name) => name.endsWith('.json'))).length) {
      if (Date.now() > giveUpAt) throw new Error('the browser saved no history file');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(JSON.parse(fs.readFileSync(path.join(downloads, saved[0]), 'utf8'))).toEqual(history);
  } finally {
    fs.rmSync(downloads, { recursive: true, force: true });
  }
});

it("updates a running post's history page when a review arrives through the API", async () => {
  const runId = await runOf(posts.copyEdit);
  await open(runPath(posts.copyEdit, runId, 'history'));
  const before = (await sdkHistory(posts.copyEdit)).events.length;
  await textsWhen('[data-testid="event-summary-row"]', (texts) => texts.length === before);
  await page.evaluate('window.sameDocument = true');

  await approve(posts.copyEdit, 'copy_edit', 'copy_editor');
  await postWhen(live(), key('viewer'), posts.copyEdit, stageOpen('final_approval'));
  const after = await sdkHistory(posts.copyEdit);
  expect(after.events.length).toBeGreaterThan(before);

  const rows = await textsWhen('[data-testid="event-summary-row"]', (texts) => texts.length === after.events.length);
  expect(rows.some((row) => row.includes('{"stage":"final_approval","revision":1}'))).toBe(true);
  expect(await eventIdsOnPage()).toEqual(after.events.map((event: Json) => Number(event.eventId)).reverse());
  // The page followed the run by itself: no reload.
  expect(await page.evaluate('window.sameDocument')).toBe(true);
});

it('lists schedules, and says which sections the offline server cannot back', async () => {
  const scheduleId = `ui-schedule-${posts.legal.slice(0, 8)}`;
  const schedule = await stack.client.schedule.create({
    scheduleId,
    spec: { intervals: [{ every: '1 day' }] },
    action: { type: 'startWorkflow', workflowType: 'scheduledReport', taskQueue: stack.taskQueue, args: [] },
    state: { paused: true, note: 'kept still for the test' },
  });
  try {
    await open('/namespaces/default/schedules');
    const [body] = await textsWhen('body', (texts) => texts.length === 1 && texts[0].includes(scheduleId));
    expect(body).toContain('scheduledReport');
  } finally {
    await schedule.delete();
  }

  for (const section of ['batch-operations', 'worker-deployments', 'archival', 'task-queues']) {
    await open(`/namespaces/default/${section}`);
    const [notice] = await textsWhen('[data-testid="not-available-offline"]', (texts) => texts.length === 1);
    expect(notice).toContain('not available offline');
  }
});
