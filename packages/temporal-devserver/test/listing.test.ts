/**
 * ListWorkflowExecutions and CountWorkflowExecutions over the wire: filters on the built-in
 * attributes and on custom search attributes that workflows upsert, ordering, counting, and
 * the errors a malformed query gets.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import type { WorkflowExecutionInfo } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import {
  accumulator,
  collector,
  detailed,
  failing,
  labelled,
  labelsWithUnknownAttribute,
  publishAtKey,
  quick,
  rebranded,
  scoreKey,
  tagsKey,
  urgentKey,
} from './fixtures/workflows';
import { finish } from './fixtures/messages';
import { eventsOfType, eventually, replayFailures, startSuite, waitForEvent, type DevServerSuite } from './helpers';

const brandKey = defineSearchAttributeKey('Brand', SearchAttributeType.KEYWORD);
const priorityKey = defineSearchAttributeKey('Priority', SearchAttributeType.INT);

let suite: DevServerSuite;
let prefix: string;
let bStartTime: Date;

/**
 * Five runs started one after the other:
 *   a labelled acme/1 completed, b labelled acme/5 running, c labelled globex/3 completed,
 *   d failing failed, e quick completed.
 */
beforeAll(async () => {
  suite = await startSuite({
    taskQueue: 'devserver-listing',
    searchAttributes: {
      Brand: 'Keyword',
      Priority: 'Int',
      Tags: 'KeywordList',
      PublishAt: 'Datetime',
      Urgent: 'Bool',
      Score: 'Double',
    },
  });
  prefix = suite.uniqueId('list');
  await (
    await suite.start(labelled, { workflowId: `${prefix}-a`, args: [{ brand: 'acme', priority: 1, hold: false }] })
  ).result();
  const b = await suite.start(labelled, {
    workflowId: `${prefix}-b`,
    args: [{ brand: 'acme', priority: 5, hold: true }],
    memo: { owner: 'social team' },
  });
  await waitForEvent(b, 'UpsertWorkflowSearchAttributes');
  bStartTime = (await b.describe()).startTime;
  await (
    await suite.start(labelled, { workflowId: `${prefix}-c`, args: [{ brand: 'globex', priority: 3, hold: false }] })
  ).result();
  await (
    await suite.start(failing, { workflowId: `${prefix}-d`, args: ['failing on purpose'] })
  )
    .result()
    .catch(() => undefined);
  await (await suite.start(quick, { workflowId: `${prefix}-e`, args: ['done'] })).result();
});

afterAll(async () => {
  await suite?.stop();
});

/** Runs among those whose id starts with `scope` (the five above by default) that a filter lists. */
async function listed(filter: string, scope = prefix): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const execution of suite.client.workflow.list({
    query: `WorkflowId STARTS_WITH "${scope}-" AND ${filter}`,
  })) {
    found.push(execution);
  }
  return found;
}

/** The letters (what follows the scope in the id) of the runs a filter lists, in the order listed. */
async function letters(filter: string, scope = prefix): Promise<string[]> {
  return (await listed(filter, scope)).map((execution) => execution.workflowId.slice(scope.length + 1));
}

const sorted = async (filter: string, scope = prefix) => (await letters(filter, scope)).sort();

describe('filters', () => {
  test('on workflow type', async () => {
    expect(await sorted(`WorkflowType = 'labelled'`)).toEqual(['a', 'b', 'c']);
    expect(await sorted(`WorkflowType != 'labelled'`)).toEqual(['d', 'e']);
    expect(await sorted(`WorkflowType IN ('quick', 'failing')`)).toEqual(['d', 'e']);
  });

  test('on execution status', async () => {
    expect(await sorted(`ExecutionStatus = 'Running'`)).toEqual(['b']);
    expect(await sorted(`ExecutionStatus = 'Failed'`)).toEqual(['d']);
    expect(await sorted(`ExecutionStatus = 'Completed'`)).toEqual(['a', 'c', 'e']);
  });

  test('on workflow id prefix and task queue', async () => {
    expect(await sorted(`TaskQueue = '${suite.taskQueue}'`)).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect(await sorted(`WorkflowId STARTS_WITH '${prefix}-nobody'`)).toEqual([]);
    expect(await sorted(`WorkflowId = '${prefix}-c'`)).toEqual(['c']);
  });

  test('on start and close time', async () => {
    expect(await sorted(`StartTime >= '${bStartTime.toISOString()}'`)).toEqual(['b', 'c', 'd', 'e']);
    expect(await sorted(`StartTime < '${bStartTime.toISOString()}'`)).toEqual(['a']);
    expect(await sorted(`CloseTime < '${bStartTime.toISOString()}'`)).toEqual(['a']);
    // A running workflow has no close time, so no comparison with one lists it.
    expect(await sorted(`CloseTime > '2000-01-01T00:00:00Z'`)).toEqual(['a', 'c', 'd', 'e']);
  });

  test('on custom search attributes the workflows upserted', async () => {
    expect(await sorted(`Brand = 'acme'`)).toEqual(['a', 'b']);
    expect(await sorted(`Priority >= 3`)).toEqual(['b', 'c']);
    expect(await sorted(`Brand = 'acme' AND Priority > 2`)).toEqual(['b']);
    expect(await sorted(`(Brand = 'globex' OR Priority = 1) AND ExecutionStatus = 'Completed'`)).toEqual(['a', 'c']);
    expect(await sorted(`Brand IN ('globex', 'initech')`)).toEqual(['c']);
    expect(await sorted(`Priority BETWEEN 2 AND 4`)).toEqual(['c']);
  });

  test('listed runs carry their type, status and search attributes', async () => {
    const [b] = await listed(`WorkflowId = '${prefix}-b'`);

    expect(b.type).toBe('labelled');
    expect(b.status.name).toBe('RUNNING');
    expect(b.taskQueue).toBe(suite.taskQueue);
    expect(b.typedSearchAttributes.get(brandKey)).toBe('acme');
    expect(b.typedSearchAttributes.get(priorityKey)).toBe(5);
    expect(b.memo).toEqual({ owner: 'social team' });
    const described = await suite.client.workflow.getHandle(b.workflowId).describe();
    expect(described.typedSearchAttributes.get(brandKey)).toBe('acme');
  });
});

test('without ORDER BY, running workflows are listed first, then closed ones, most recently closed first', async () => {
  expect(await letters(`TaskQueue = '${suite.taskQueue}'`)).toEqual(['b', 'e', 'd', 'c', 'a']);
});

test('ORDER BY StartTime lists runs in start order, either way', async () => {
  expect(await letters(`TaskQueue = '${suite.taskQueue}' ORDER BY StartTime ASC`)).toEqual(['a', 'b', 'c', 'd', 'e']);
  expect(await letters(`TaskQueue = '${suite.taskQueue}' ORDER BY StartTime DESC`)).toEqual(['e', 'd', 'c', 'b', 'a']);
});

test('a listing read in small pages returns every run once, in order', async () => {
  const paged: string[] = [];
  const query = `WorkflowId STARTS_WITH "${prefix}-" ORDER BY StartTime ASC`;
  for await (const execution of suite.client.workflow.list({ query, pageSize: 2 })) {
    paged.push(execution.workflowId.slice(prefix.length + 1));
  }

  expect(paged).toEqual(['a', 'b', 'c', 'd', 'e']);
});

test('counting applies the same filters', async () => {
  expect((await suite.client.workflow.count(`WorkflowId STARTS_WITH "${prefix}-"`)).count).toBe(5);
  expect((await suite.client.workflow.count(`WorkflowId STARTS_WITH "${prefix}-" AND Brand = 'acme'`)).count).toBe(2);
  expect(
    (await suite.client.workflow.count(`WorkflowId STARTS_WITH "${prefix}-" AND ExecutionStatus = 'Running'`)).count,
  ).toBe(1);
});

test('counting grouped by execution status gives a count per status', async () => {
  const { count, groups } = await suite.client.workflow.count(
    `WorkflowId STARTS_WITH "${prefix}-" GROUP BY ExecutionStatus`,
  );

  expect(count).toBe(5);
  const perStatus = Object.fromEntries(groups.map((group) => [String(group.groupValues[0]), group.count]));
  expect(perStatus).toEqual({ Completed: 3, Failed: 1, Running: 1 });
});

test('every run of a continue-as-new chain is listed with its own status', async () => {
  const scope = suite.uniqueId('chain');
  const handle = await suite.start(accumulator, {
    workflowId: `${scope}-chain`,
    args: [{ entries: [], remaining: 1 }],
  });
  await handle.result();

  const runs = await listed(`WorkflowId = '${scope}-chain' ORDER BY StartTime ASC`, scope);

  expect(runs.map((run) => run.status.name)).toEqual(['CONTINUED_AS_NEW', 'COMPLETED']);
  expect(runs[0].runId).toBe(handle.firstExecutionRunId);
  expect(await letters(`ExecutionStatus = 'ContinuedAsNew'`, scope)).toEqual(['chain']);
});

test('attributes of every type upserted through the typed API are filtered and listed with their types', async () => {
  const scope = suite.uniqueId('typed');
  const handle = await suite.start(detailed, {
    workflowId: `${scope}-detailed`,
    args: [{ tags: ['launch', 'video'], publishAt: '2024-05-02T09:00:00.000Z', urgent: true, score: 0.75 }],
  });
  await handle.result();
  const only = (filter: string) => letters(filter, scope);

  expect(await only(`Tags = 'video'`)).toEqual(['detailed']);
  expect(await only(`Tags IN ('evergreen')`)).toEqual([]);
  expect(await only(`PublishAt >= '2024-05-02T00:00:00Z' AND PublishAt < '2024-05-03T00:00:00Z'`)).toEqual([
    'detailed',
  ]);
  expect(await only(`Urgent = true`)).toEqual(['detailed']);
  expect(await only(`Score > 0.5 AND Score <= 1`)).toEqual(['detailed']);
  expect(await only(`Score > 1`)).toEqual([]);

  const [execution] = await listed(`WorkflowId = '${scope}-detailed'`, scope);
  expect(execution.typedSearchAttributes.get(tagsKey)).toEqual(['launch', 'video']);
  expect(execution.typedSearchAttributes.get(publishAtKey)).toEqual(new Date('2024-05-02T09:00:00.000Z'));
  expect(execution.typedSearchAttributes.get(urgentKey)).toBe(true);
  expect(execution.typedSearchAttributes.get(scoreKey)).toBe(0.75);
});

test('an attribute the workflow removes no longer matches', async () => {
  const scope = suite.uniqueId('removed');
  const handle = await suite.start(rebranded, { workflowId: `${scope}-rebranded`, args: [{ brand: 'initech' }] });
  await waitForEvent(handle, 'UpsertWorkflowSearchAttributes');
  expect(await sorted(`Brand = 'initech'`, scope)).toEqual(['rebranded']);

  await handle.signal(finish);
  await handle.result();

  expect(eventsOfType(await handle.fetchHistory(), 'UpsertWorkflowSearchAttributes')).toHaveLength(2);
  expect(await sorted(`Brand = 'initech'`, scope)).toEqual([]);
  expect(await sorted(`WorkflowType = 'rebranded'`, scope)).toEqual(['rebranded']);
});

test('a closed run moves out of the running filter', async () => {
  const scope = suite.uniqueId('closing');
  const handle = await suite.start(collector, { workflowId: `${scope}-z` });
  expect(await sorted(`ExecutionStatus = 'Running'`, scope)).toEqual(['z']);

  await handle.signal(finish);
  await handle.result();

  expect(await sorted(`ExecutionStatus = 'Running'`, scope)).toEqual([]);
  expect(await sorted(`ExecutionStatus = 'Completed'`, scope)).toEqual(['z']);
});

describe('rejected search attributes', () => {
  test('a start whose attribute value has the wrong type is refused naming the attribute', async () => {
    const refused = await suite.client.workflow
      .start(collector, {
        taskQueue: suite.taskQueue,
        workflowId: suite.uniqueId('wrong-type'),
        searchAttributes: { Priority: ['high'] },
      })
      .then(
        () => undefined,
        (err: { cause?: { code?: number; details?: string } }) => err.cause,
      );

    expect(refused?.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(refused?.details).toMatch(/Priority/);
  });

  test('a workflow that upserts an unregistered attribute has its workflow task failed, not its attributes changed', async () => {
    // Not recorded for replay: every task of this workflow fails by design.
    const handle = await suite.client.workflow.start(labelsWithUnknownAttribute, {
      taskQueue: suite.taskQueue,
      workflowId: suite.uniqueId('unknown-attribute'),
    });

    try {
      const failed = await waitForEvent(handle, 'WorkflowTaskFailed');

      expect(failed.workflowTaskFailedEventAttributes?.cause).toBe(
        temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES,
      );
      expect(failed.workflowTaskFailedEventAttributes?.failure?.message).toMatch(/Audience/);
      await eventually(
        'the failed task is retried',
        async () => ((await handle.describe()).raw.pendingWorkflowTask?.attempt ?? 0) >= 2,
      );
      // Retries of a failing task are not written to history until one of them succeeds.
      const history = await handle.fetchHistory();
      expect(eventsOfType(history, 'WorkflowTaskFailed')).toHaveLength(1);
      expect(eventsOfType(history, 'UpsertWorkflowSearchAttributes')).toHaveLength(0);
    } finally {
      // Its task would otherwise keep failing for the rest of the file.
      await handle.terminate('the attribute is not registered');
    }
  });
});

describe('rejected queries', () => {
  async function rejection(query: string): Promise<{ code?: number; details?: string }> {
    const listError = await (async () => {
      for await (const _ of suite.client.workflow.list({ query })) return undefined;
      return undefined;
    })().catch((err: { cause?: { code?: number; details?: string } }) => err.cause);
    const countError = await suite.client.workflow
      .count(query)
      .then(() => undefined)
      .catch((err: { cause?: { code?: number; details?: string } }) => err.cause);
    expect(countError?.code).toBe(listError?.code);
    return listError ?? {};
  }

  test('an unfinished comparison is INVALID_ARGUMENT', async () => {
    expect((await rejection(`WorkflowType = `)).code).toBe(grpcStatus.INVALID_ARGUMENT);
  });

  test('an unknown attribute is INVALID_ARGUMENT naming the attribute', async () => {
    const error = await rejection(`Colour = 'red'`);
    expect(error.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(error.details).toMatch(/Colour/);
  });

  test('a value of the wrong type for an attribute is INVALID_ARGUMENT naming the attribute', async () => {
    const error = await rejection(`Priority = 'high'`);
    expect(error.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(error.details).toMatch(/Priority/);
  });

  test('GROUP BY in a list query is INVALID_ARGUMENT', async () => {
    const listError = await (async () => {
      for await (const _ of suite.client.workflow.list({
        query: `ExecutionStatus = 'Running' GROUP BY ExecutionStatus`,
      }))
        return undefined;
      return undefined;
    })().catch((err: { cause?: { code?: number; details?: string } }) => err.cause);

    expect(listError?.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(listError?.details).toMatch(/GROUP BY/i);
  });

  test('an unsupported operator is INVALID_ARGUMENT naming it', async () => {
    const error = await rejection(`WorkflowType LIKE 'label%'`);
    expect(error.code).toBe(grpcStatus.INVALID_ARGUMENT);
    expect(error.details).toMatch(/LIKE/i);
  });
});

test('every history this file produced replays without a determinism error', async () => {
  expect(await replayFailures(suite)).toEqual([]);
});
