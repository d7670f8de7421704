/**
 * What the WorkflowService's modules share: the clock, the namespaces, the runs, the task queues,
 * and each other, since one concern's step often starts another's (a completed activity wakes a
 * workflow task; a closing run ends its children).
 */
import { Activities } from './activities';
import { Children } from './children';
import { Commands } from './commands';
import { History } from './history';
import { Listing } from './listing';
import { Namespaces } from './namespaces';
import { Queries } from './queries';
import { Retention } from './retention';
import { RunClose } from './runClose';
import { RunStore } from './runs';
import { RunStart } from './runStart';
import { TaskQueues } from './taskQueues';
import type { DevServerStore } from './store/store';
import type { VirtualClock } from './time';
import { Timers } from './timers';
import { Updates } from './updates';
import { WorkflowTasks } from './workflowTasks';

export interface ServerContext {
  readonly clock: VirtualClock;
  readonly store: DevServerStore;
  readonly namespaces: Namespaces;
  readonly runs: RunStore;
  readonly taskQueues: TaskQueues;
  readonly history: History;
  readonly workflowTasks: WorkflowTasks;
  readonly commands: Commands;
  readonly timers: Timers;
  readonly activities: Activities;
  readonly runStart: RunStart;
  readonly runClose: RunClose;
  readonly retention: Retention;
  readonly children: Children;
  readonly updates: Updates;
  readonly queries: Queries;
  readonly listing: Listing;
}

export function createServerContext(
  clock: VirtualClock,
  store: DevServerStore,
  closedRunsKept?: number,
): ServerContext {
  // Modules reach each other through the context only when handling a call, never while it is built.
  const context = { clock, store } as { -readonly [Module in keyof ServerContext]: ServerContext[Module] };
  context.namespaces = new Namespaces((namespace) => store.saveNamespace(namespace));
  context.runs = new RunStore(store, closedRunsKept);
  context.taskQueues = new TaskQueues(context);
  context.history = new History(context);
  context.workflowTasks = new WorkflowTasks(context);
  context.commands = new Commands(context);
  context.timers = new Timers(context);
  context.activities = new Activities(context);
  context.runStart = new RunStart(context);
  context.runClose = new RunClose(context);
  context.retention = new Retention(context);
  context.children = new Children(context);
  context.updates = new Updates(context);
  context.queries = new Queries(context);
  context.listing = new Listing(context);
  return context;
}
