/**
 * Drives the workflow service directly, the way the gRPC binding drives it, for tests about what
 * one call answers and when. Clients hide such detail (which of two answers reached them first,
 * whether a task came from a poll or with an answer), so these tests play the worker themselves.
 */
import type { CallContext } from '../src/grpcServer';
import type { Msg } from '../src/protos';
import { VirtualClock } from '../src/time';
import { WorkflowService } from '../src/workflowService';

/** A call as the gRPC binding makes it; `answer()` is the moment its answer has gone out. */
export function call(): CallContext & { answer(): void } {
  const afterResponse: Array<() => void> = [];
  return {
    cancelled: new Promise<void>(() => undefined),
    isCancelled: () => false,
    afterResponse: (action) => afterResponse.push(action),
    answer: () => afterResponse.splice(0).forEach((action) => action()),
  };
}

export const QUERY_RESULT = {
  payloads: [{ metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from('[]') }],
};

export type QueueKind = 'TASK_QUEUE_KIND_NORMAL' | 'TASK_QUEUE_KIND_STICKY';

export interface Poller {
  task: Promise<Msg>;
  handedOut(): boolean;
}

/** A run of a workflow no worker code backs: the test answers its tasks. */
export interface Run {
  workflowId: string;
  taskQueue: string;
  stickyQueue: string;
}

export class ServiceDriver {
  readonly clock: VirtualClock;
  readonly service: WorkflowService;
  private sequence = 0;

  constructor(private readonly label: string) {
    this.clock = new VirtualClock(false, () => this.service.isBusy());
    this.service = new WorkflowService({ clock: this.clock });
  }

  stop(): void {
    this.service.stop();
    this.clock.stop();
  }

  startRun(): Run {
    const n = ++this.sequence;
    const run = {
      workflowId: `${this.label}-${n}`,
      taskQueue: `${this.label}-queue-${n}`,
      stickyQueue: `${this.label}-sticky-${n}`,
    };
    const started = this.service.startWorkflowExecution({
      namespace: 'default',
      workflowId: run.workflowId,
      workflowType: { name: 'collector' },
      taskQueue: { name: run.taskQueue },
    });
    if (started instanceof Promise) throw new Error('a start of a new workflow id is decided at once');
    return run;
  }

  /** A long-poll that records when it is handed a task. */
  poller(queue: string, kind: QueueKind): Poller {
    let handedOut = false;
    const task = this.service
      .pollWorkflowTaskQueue({ namespace: 'default', taskQueue: { name: queue, kind }, identity: 'worker' }, call())
      .then((response) => {
        handedOut = true;
        return response;
      });
    return { task, handedOut: () => handedOut };
  }

  signal(workflowId: string, name: string): void {
    const signalled = this.service.signalWorkflowExecution({
      namespace: 'default',
      workflowExecution: { workflowId },
      signalName: name,
      identity: 'client',
    });
    if (signalled instanceof Promise) throw new Error('a signal to an open run is delivered at once');
  }

  query(workflowId: string): Promise<Msg> {
    return this.service.queryWorkflow(
      { namespace: 'default', execution: { workflowId }, query: { queryType: 'items' } },
      call(),
    );
  }

  answerQuery(queryTask: Msg, context: CallContext): void {
    this.service.respondQueryTaskCompleted(
      {
        namespace: 'default',
        taskToken: queryTask.taskToken,
        completedType: 'QUERY_RESULT_TYPE_ANSWERED',
        queryResult: QUERY_RESULT,
      },
      context,
    );
  }

  /** The poller gets the query's task; the worker's answer reaches the client who asked. */
  async handsOutQuery(poller: Poller, answer: Promise<Msg>): Promise<void> {
    const queryTask = await poller.task;
    expect(queryTask.query?.queryType).toBe('items');
    this.answerQuery(queryTask, call());
    expect(await answer).toEqual({ queryResult: QUERY_RESULT });
  }

  /** Completes a workflow task as a worker that keeps the run cached on its sticky queue. */
  completeSticky(task: Msg, stickyQueue: string, context: CallContext, request: Msg = {}): Msg {
    return this.service.respondWorkflowTaskCompleted(
      {
        namespace: 'default',
        taskToken: task.taskToken,
        identity: 'worker',
        commands: [],
        stickyAttributes: {
          workerTaskQueue: { name: stickyQueue, kind: 'TASK_QUEUE_KIND_STICKY' },
          scheduleToStartTimeout: { seconds: 10 },
        },
        ...request,
      },
      context,
    );
  }
}

export const signalNames = (task: Msg): string[] =>
  (task.history?.events ?? []).flatMap(
    (event: Msg) => event.workflowExecutionSignaledEventAttributes?.signalName ?? [],
  );

/** Whether the poller is still waiting once everything already due has run: a task handed out would have arrived. */
export async function stillWaiting(poller: Poller): Promise<boolean> {
  await new Promise((resolve) => setImmediate(resolve));
  return !poller.handedOut();
}
