/**
 * The namespace's task queues of workflow and activity tasks, the long poll that waits on them, and
 * the count of tasks handed out that keeps virtual time from skipping past running work.
 */
import type { CallContext } from './grpcServer';
import type { Msg } from './protos';
import type { DescribeTaskQueueRequest } from './wire';
import { invalidArgument } from './errors';
import type { ActivityState, Execution, PendingQuery } from './execution';
import { TaskQueue } from './matching';
import { msToTs } from './time';
import type { ServerContext } from './context';

const LONG_POLL_MS = 20_000;
/** A worker that polled within this long counts as polling the queue, as Temporal reports it. */
const POLLER_SEEN_WITHIN_MS = 5 * 60_000;

export type TaskQueueKind = 'workflow' | 'activity';

export type WorkflowTask =
  { kind: 'workflow'; run: Execution; token: string } | { kind: 'query'; run: Execution; query: PendingQuery };

export interface ActivityTask {
  run: Execution;
  activity: ActivityState;
  token: string;
}

export class TaskQueues {
  private readonly workflowQueues = new Map<string, TaskQueue<WorkflowTask>>();
  private readonly activityQueues = new Map<string, TaskQueue<ActivityTask>>();
  /** Per kind, namespace and queue: each polling worker's identity and when it last polled (wall-clock ms). */
  private readonly pollers = new Map<string, Map<string, number>>();
  outstandingWorkflowTasks = 0;
  outstandingActivityTasks = 0;
  stopped = false;

  constructor(private readonly server: ServerContext) {}

  workflowQueue(namespace: string, name: string): TaskQueue<WorkflowTask> {
    const key = `${namespace}\u0000${name}`;
    let q = this.workflowQueues.get(key);
    if (!q) this.workflowQueues.set(key, (q = new TaskQueue()));
    return q;
  }

  activityQueue(namespace: string, name: string): TaskQueue<ActivityTask> {
    const key = `${namespace}\u0000${name}`;
    let q = this.activityQueues.get(key);
    if (!q) this.activityQueues.set(key, (q = new TaskQueue()));
    return q;
  }

  pollTimeout(context: CallContext): number {
    if (this.stopped) return 0;
    const untilDeadline = context.deadline ? context.deadline - Date.now() - 1000 : LONG_POLL_MS;
    return Math.max(0, Math.min(LONG_POLL_MS, untilDeadline));
  }

  respondNexusTaskCompleted(): Msg {
    throw invalidArgument('Nexus is not supported by this server');
  }

  async pollNexusTaskQueue(context: CallContext): Promise<Msg> {
    // Workers poll for Nexus work whether or not they host any; answer "nothing" after a long poll.
    await Promise.race([new Promise((r) => setTimeout(r, this.pollTimeout(context))), context.cancelled]);
    return {};
  }

  /** A worker polls the queue: `describeTaskQueue` lists it among the queue's pollers for a while. */
  notePoller(kind: TaskQueueKind, namespace: string, queue: string, identity: string | undefined): void {
    const key = `${kind}\u0000${namespace}\u0000${queue}`;
    let seen = this.pollers.get(key);
    if (!seen) this.pollers.set(key, (seen = new Map<string, number>()));
    seen.set(identity || 'unknown', Date.now());
  }

  describeTaskQueue(req: DescribeTaskQueueRequest): Msg {
    const namespace = this.server.namespaces.get(req.namespace);
    const name = req.taskQueue?.name ?? '';
    const kind: TaskQueueKind = req.taskQueueType === 'TASK_QUEUE_TYPE_ACTIVITY' ? 'activity' : 'workflow';
    const backlog =
      kind === 'activity'
        ? this.activityQueue(namespace.name, name).backlog
        : this.workflowQueue(namespace.name, name).backlog;
    const seen = this.pollers.get(`${kind}\u0000${namespace.name}\u0000${name}`) ?? new Map<string, number>();
    const since = Date.now() - POLLER_SEEN_WITHIN_MS;
    const pollers = [...seen]
      .filter(([identity, at]) => (at >= since ? true : (seen.delete(identity), false)))
      .map(([identity, at]) => ({ identity, lastAccessTime: msToTs(at), ratePerSecond: 100_000 }));
    return { pollers, taskQueueStatus: { backlogCountHint: backlog } };
  }

  recordWorkerHeartbeat(): Msg {
    return {};
  }

  /** Workflow or activity work outstanding: time may not skip. */
  isBusy(): boolean {
    return this.outstandingWorkflowTasks > 0 || this.outstandingActivityTasks > 0;
  }

  /** Answers every waiting poll, so that the gRPC server can shut down. */
  stop(): void {
    this.stopped = true;
    for (const queue of this.workflowQueues.values()) queue.releaseAll();
    for (const queue of this.activityQueues.values()) queue.releaseAll();
  }
}
