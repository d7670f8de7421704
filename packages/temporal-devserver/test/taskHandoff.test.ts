/**
 * When a worker hears about a run's next task: never before the answer about its last one. The
 * SDK's core counts a workflow or query task as outstanding until the answer to it arrives, and
 * a new task for the same run that overtakes that answer corrupts its bookkeeping. Clients hide
 * which of two answers reached them first, so the service is driven the way the gRPC binding
 * drives it, and the binding itself is watched frame by frame.
 */
import * as http2 from 'node:http2';
import * as grpc from '@grpc/grpc-js';
import { addTemporalService, type CallContext } from '../src/grpcServer';
import type { Msg } from '../src/protos';
import { eventually } from './helpers';
import { call, QUERY_RESULT, type Run, ServiceDriver, signalNames, stillWaiting } from './serviceDriver';

let driver: ServiceDriver;

beforeEach(() => {
  driver = new ServiceDriver('handoff');
});

afterEach(() => {
  driver.stop();
});

/** Runs the first workflow task to completion on a worker that keeps the run on its sticky queue. */
async function idleOnStickyWorker(run: Run): Promise<void> {
  const first = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const completion = call();
  driver.completeSticky(first, run.stickyQueue, completion);
  completion.answer();
}

test('a task created by a completion reaches the waiting sticky poller only after the completion is answered', async () => {
  const run = driver.startRun();
  await idleOnStickyWorker(run);

  // A signal to an idle run still reaches a waiting poller at once.
  const forSignal = driver.poller(run.stickyQueue, 'TASK_QUEUE_KIND_STICKY');
  driver.signal(run.workflowId, 'while idle');
  const second = await forSignal.task;
  expect(signalNames(second)).toEqual(['while idle']);

  driver.signal(run.workflowId, 'while the task runs');
  const next = driver.poller(run.stickyQueue, 'TASK_QUEUE_KIND_STICKY');
  const completion = call();
  driver.completeSticky(second, run.stickyQueue, completion);
  expect(await stillWaiting(next)).toBe(true);

  completion.answer();
  const third = await next.task;
  expect(signalNames(third)).toEqual(['while the task runs']);
  expect(third.attempt).toBe(1);
});

test('the retry of a failed task reaches the waiting poller only after the failure is answered', async () => {
  const run = driver.startRun();
  const first = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const next = driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
  const failure = call();
  driver.service.respondWorkflowTaskFailed(
    {
      namespace: 'default',
      taskToken: first.taskToken,
      identity: 'worker',
      cause: 'WORKFLOW_TASK_FAILED_CAUSE_WORKFLOW_WORKER_UNHANDLED_FAILURE',
      failure: { message: 'a bug' },
    },
    failure,
  );
  expect(await stillWaiting(next)).toBe(true);

  failure.answer();
  const retry = await next.task;
  expect(retry.attempt).toBe(2);
});

test('a query that waited for a running task reaches the waiting poller only after its completion is answered', async () => {
  const run = driver.startRun();
  const first = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const answer = driver.query(run.workflowId);
  const next = driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
  const completion = call();
  driver.service.respondWorkflowTaskCompleted(
    { namespace: 'default', taskToken: first.taskToken, identity: 'worker', commands: [] },
    completion,
  );
  expect(await stillWaiting(next)).toBe(true);

  completion.answer();
  await driver.handsOutQuery(next, answer);
});

test('a workflow task waits while the worker answers a query on the same run, until that answer has gone out', async () => {
  const run = driver.startRun();
  await idleOnStickyWorker(run);
  const answer = driver.query(run.workflowId);
  const queryTask = await driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;

  const next = driver.poller(run.stickyQueue, 'TASK_QUEUE_KIND_STICKY');
  driver.signal(run.workflowId, 'during the query');
  expect(await stillWaiting(next)).toBe(true);

  const queryAnswer = call();
  driver.answerQuery(queryTask, queryAnswer);
  expect(await answer).toEqual({ queryResult: QUERY_RESULT });
  expect(await stillWaiting(next)).toBe(true);

  queryAnswer.answer();
  expect(signalNames(await next.task)).toEqual(['during the query']);
});

test('a query queued before the worker took a workflow task of the run waits until that task is answered', async () => {
  const run = driver.startRun();
  await idleOnStickyWorker(run);
  const answer = driver.query(run.workflowId);
  const forSignal = driver.poller(run.stickyQueue, 'TASK_QUEUE_KIND_STICKY');
  driver.signal(run.workflowId, 'after the query');
  const task = await forSignal.task;

  const next = driver.poller(run.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
  expect(await stillWaiting(next)).toBe(true);

  const completion = call();
  driver.completeSticky(task, run.stickyQueue, completion);
  expect(await stillWaiting(next)).toBe(true);

  completion.answer();
  await driver.handsOutQuery(next, answer);
});

/** A unary call with an empty request, recording each part of its answer as it arrives. */
function rawCall(session: http2.ClientHttp2Session, method: string, label: string, arrivals: string[]): Promise<void> {
  const arrived = (part: string): void => {
    if (arrivals[arrivals.length - 1] !== `${label} ${part}`) arrivals.push(`${label} ${part}`);
  };
  const stream = session.request({
    ':method': 'POST',
    ':path': `/temporal.api.workflowservice.v1.WorkflowService/${method}`,
    'content-type': 'application/grpc',
    te: 'trailers',
  });
  stream.on('response', () => arrived('headers'));
  stream.on('data', () => arrived('message'));
  stream.on('trailers', () => arrived('status'));
  stream.end(Buffer.alloc(5));
  return new Promise((resolve) => stream.on('close', resolve));
}

test('the gRPC binding sends a whole answer before the work held back for after it', async () => {
  let polled = false;
  let handOut: (task: Msg) => void = () => undefined;
  const server = new grpc.Server();
  addTemporalService(server, 'temporal.api.workflowservice.v1.WorkflowService', {
    pollWorkflowTaskQueue: () => {
      polled = true;
      return new Promise<Msg>((resolve) => (handOut = resolve));
    },
    respondWorkflowTaskCompleted: (_request: Msg, context: CallContext) => {
      context.afterResponse(() => handOut({ attempt: 1 }));
      return {};
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    ),
  );
  const session = http2.connect(`http://127.0.0.1:${port}`);
  try {
    const arrivals: string[] = [];
    const poll = rawCall(session, 'PollWorkflowTaskQueue', 'poll', arrivals);
    await eventually('the poll waits on the server', () => polled);
    await Promise.all([poll, rawCall(session, 'RespondWorkflowTaskCompleted', 'completion', arrivals)]);

    expect(arrivals).toEqual([
      'completion headers',
      'completion message',
      'completion status',
      'poll headers',
      'poll message',
      'poll status',
    ]);
  } finally {
    session.close();
    server.forceShutdown();
  }
});
