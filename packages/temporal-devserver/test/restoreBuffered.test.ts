/**
 * A restart while a speculative workflow task (one for an update, not in history) was at a worker
 * and events waited in the buffer behind it: the restored run has no open task in history, yet
 * the buffered events need one, or the run waits for something else to wake it.
 */
import type { ServerContext } from '../src/context';
import { runState, startRecord } from '../src/store/store';
import { call, ServiceDriver, signalNames, stillWaiting } from './serviceDriver';

const drivers: ServiceDriver[] = [];
afterEach(() => drivers.splice(0).forEach((d) => d.stop()));

test('events buffered behind a speculative task are handed to a worker after a restart', async () => {
  const before = new ServiceDriver('buffered');
  drivers.push(before);
  const started = before.startRun();
  const first = await before.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  const completion = call();
  before.service.respondWorkflowTaskCompleted(
    { namespace: 'default', taskToken: first.taskToken, identity: 'worker', commands: [] },
    completion,
  );
  completion.answer();
  void before.service
    .updateWorkflowExecution(
      {
        namespace: 'default',
        workflowExecution: { workflowId: started.workflowId },
        request: {
          meta: { updateId: 'u1' },
          input: { name: 'approve', args: { payloads: [] } },
        },
        waitPolicy: { lifecycleStage: 'UPDATE_WORKFLOW_EXECUTION_LIFECYCLE_STAGE_ACCEPTED' },
      },
      // Its client waits briefly: the wait ends on its own once the test is over.
      { ...call(), deadline: Date.now() + 1500 },
    )
    .catch(() => undefined);
  const forUpdate = await before.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL').task;
  expect(forUpdate.messages).toHaveLength(1);
  // Arrives while the update's task is at the worker: it waits in the buffer. Then the process dies.
  before.signal(started.workflowId, 'go');
  const server = (before.service as unknown as { server: ServerContext }).server;
  const run = server.runs.latestOpen('default', started.workflowId)!;
  expect(run.buffered.map((d) => d.kind)).toEqual(['WorkflowExecutionSignaled']);
  const stored = { ...startRecord(run), state: runState(run), history: [...run.history] };

  const after = new ServiceDriver('buffered');
  drivers.push(after);
  after.service.restore({ namespaces: [], runs: [stored], closedRuns: [], schedules: [] });
  const poller = after.poller(started.taskQueue, 'TASK_QUEUE_KIND_NORMAL');
  expect(await stillWaiting(poller)).toBe(false);
  expect(signalNames(await poller.task)).toEqual(['go']);
});
