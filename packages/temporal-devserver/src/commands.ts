/**
 * RespondWorkflowTaskCompleted: validates the workflow's commands, writes the completed task and
 * applies each command through the module that owns it.
 */
import type { CallContext } from './grpcServer';
import { type Msg, unpackAny } from './protos';
import { invalidArgument, unstorableId } from './errors';
import { isCloseCommand } from './events';
import type { ActivityState, Execution } from './execution';
import { durToMs, durationOr } from './time';
import { payloadValue, typedSearchAttributes, validateSearchAttributes } from './searchAttributes';
import type { ServerContext } from './context';
import type { Command, RespondWorkflowTaskCompletedRequest } from './wire';

export class Commands {
  constructor(private readonly server: ServerContext) {}

  respondWorkflowTaskCompleted(req: RespondWorkflowTaskCompletedRequest, context: CallContext): Msg {
    const { run } = this.server.workflowTasks.fromToken(req.taskToken, context);
    const task = run.workflowTask!;
    const commands = req.commands ?? [];
    const messages = req.messages ?? [];

    for (const result of Object.entries(req.queryResults ?? {})) this.server.queries.answer(run, result[0], result[1]);

    const invalid = this.validate(run, commands);
    if (invalid) {
      this.server.workflowTasks.fail(run, 'WorkflowTaskFailed', {
        cause: invalid.cause,
        failure: { message: invalid.message },
        identity: req.identity,
      });
      // The error makes the worker drop its cached run and replay on the retry.
      throw invalidArgument(invalid.message);
    }
    const closing = commands.some(isCloseCommand);
    const hasUnseenWork = run.buffered.length > 0 || [...run.updates.values()].some((u) => u.stage === 'admitted');
    if (closing && hasUnseenWork) {
      // The workflow decided to close without seeing new events: make it look again.
      this.server.workflowTasks.fail(run, 'WorkflowTaskFailed', {
        cause: 'WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND',
        failure: { message: 'unhandled events arrived while the workflow task was running' },
        identity: req.identity,
      });
      // The error makes the worker drop its cached run, which has already completed.
      throw invalidArgument('UnhandledCommand');
    }

    // Only past the failures above: the retry of a failed task goes through the task queue.
    run.nextTaskInAnswer = Boolean(req.returnNewWorkflowTask);
    const decoded = messages.map((m) => ({ message: m, body: unpackAny(m.body ?? {}) }));
    const writesSomething =
      commands.length > 0 ||
      decoded.some((d) => !d.body.typeName.endsWith('Rejection')) ||
      Boolean(req.forceCreateNewWorkflowTask);
    if (task.droppable && !writesSomething) {
      // Nothing to keep: the task vanishes from history and the worker rewinds to the last real one.
      for (const d of decoded) this.server.updates.applyMessage(run, d.message, d.body, 0);
      const resetTo = run.lastCompletedWorkflowTaskStartedId;
      this.server.workflowTasks.finish(run);
      this.server.workflowTasks.afterCompletion(run, false);
      return {
        resetHistoryEventId: resetTo,
        workflowTask: this.server.workflowTasks.nextTaskForAnswer(run, req.identity),
      };
    }
    if (task.speculative) this.server.workflowTasks.materialize(run);
    const completedEventId = this.server.history.append(run, {
      kind: 'WorkflowTaskCompleted',
      attributes: {
        scheduledEventId: task.scheduledEventId,
        startedEventId: task.startedEventId,
        identity: req.identity,
        binaryChecksum: req.binaryChecksum,
        sdkMetadata: req.sdkMetadata,
        meteringMetadata: req.meteringMetadata,
        workerVersion: req.workerVersionStamp,
      },
    });
    run.lastCompletedWorkflowTaskStartedId = task.startedEventId;
    const stickyQueue = req.stickyAttributes?.workerTaskQueue?.name;
    run.sticky = stickyQueue
      ? { queue: stickyQueue, timeoutMs: durationOr(req.stickyAttributes?.scheduleToStartTimeout, 5000)! }
      : undefined;
    run.workflowTaskFailureStreak = 0;
    this.server.workflowTasks.finish(run);

    const deferred: Array<() => void> = [];
    const eager: ActivityState[] = [];
    const byId = new Map(decoded.map((d) => [d.message.id, d]));
    for (const command of commands) {
      if (!run.isRunning) break;
      if (command.commandType === 'COMMAND_TYPE_PROTOCOL_MESSAGE') {
        const id = command.protocolMessageCommandAttributes?.messageId;
        const d = byId.get(id);
        if (d) {
          byId.delete(id);
          this.server.updates.applyMessage(run, d.message, d.body, completedEventId);
        }
        continue;
      }
      this.apply(run, command, completedEventId, deferred, eager);
    }
    for (const d of byId.values())
      if (run.isRunning) this.server.updates.applyMessage(run, d.message, d.body, completedEventId);
    this.server.workflowTasks.afterCompletion(run, Boolean(req.forceCreateNewWorkflowTask));
    // Started before what the deferred commands cause, which (as on a real server) comes later.
    const workflowTask = this.server.workflowTasks.nextTaskForAnswer(run, req.identity);
    for (const action of deferred) action();
    const activityTasks = run.isRunning
      ? eager.map((activity) => this.server.activities.start(run, activity, req.identity))
      : [];
    return { activityTasks, workflowTask };
  }

  private validate(run: Execution, commands: Command[]): { cause: string; message: string } | undefined {
    const namespace = this.server.namespaces.get(run.namespace);
    const timerIds = new Set(run.timers.keys());
    const activityIds = new Set([...run.activities.values()].map((a) => a.activityId));
    for (const command of commands) {
      switch (command.commandType) {
        case 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK': {
          const attrs = command.scheduleActivityTaskCommandAttributes ?? {};
          if (!attrs.activityId || !attrs.activityType?.name) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              message: 'ActivityId and ActivityType are required',
            };
          }
          if (activityIds.has(attrs.activityId)) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_SCHEDULE_ACTIVITY_DUPLICATE_ID',
              message: `activity id ${attrs.activityId} is already in use`,
            };
          }
          activityIds.add(attrs.activityId);
          if (!durToMs(attrs.scheduleToCloseTimeout) && !durToMs(attrs.startToCloseTimeout)) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SCHEDULE_ACTIVITY_ATTRIBUTES',
              message: 'a valid StartToClose or ScheduleToClose timeout is not set on the ScheduleActivityTask command',
            };
          }
          break;
        }
        case 'COMMAND_TYPE_START_TIMER': {
          const timerId = command.startTimerCommandAttributes?.timerId as string;
          if (timerIds.has(timerId))
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_START_TIMER_DUPLICATE_ID',
              message: `timer id ${timerId} is already in use`,
            };
          timerIds.add(timerId);
          break;
        }
        case 'COMMAND_TYPE_CANCEL_TIMER': {
          // As a real server: a timer neither pending nor fired behind this task cannot be cancelled.
          const timerId = command.cancelTimerCommandAttributes?.timerId;
          if (!timerId)
            return { cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES', message: 'TimerId is not set' };
          if (!timerIds.delete(timerId) && this.server.timers.bufferedFiring(run, timerId) < 0)
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_CANCEL_TIMER_ATTRIBUTES',
              message: `timer id ${timerId} is not pending`,
            };
          break;
        }
        case 'COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
          const attrs = command.upsertWorkflowSearchAttributesCommandAttributes ?? {};
          const bad = validateSearchAttributes(namespace, attrs.searchAttributes);
          if (bad) return { cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES', message: bad };
          break;
        }
        case 'COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION': {
          const attrs = command.startChildWorkflowExecutionCommandAttributes ?? {};
          const bad = validateSearchAttributes(
            this.server.namespaces.get(attrs.namespace || run.namespace),
            attrs.searchAttributes,
          );
          if (bad) return { cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_SEARCH_ATTRIBUTES', message: bad };
          if (!attrs.workflowId || !attrs.workflowType?.name) {
            return {
              cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES',
              message: 'WorkflowId and WorkflowType are required',
            };
          }
          const unstorable = unstorableId(attrs.workflowId, 'WorkflowId');
          if (unstorable)
            return { cause: 'WORKFLOW_TASK_FAILED_CAUSE_BAD_START_CHILD_EXECUTION_ATTRIBUTES', message: unstorable };
          break;
        }
        case 'COMMAND_TYPE_SCHEDULE_NEXUS_OPERATION':
        case 'COMMAND_TYPE_REQUEST_CANCEL_NEXUS_OPERATION':
          return {
            cause: 'WORKFLOW_TASK_FAILED_CAUSE_FEATURE_DISABLED',
            message: 'Nexus operations are not supported by this server',
          };
        default:
          break;
      }
    }
    return undefined;
  }

  private apply(
    run: Execution,
    command: Command,
    completedEventId: number,
    deferred: Array<() => void>,
    eager: ActivityState[],
  ): void {
    switch (command.commandType) {
      case 'COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK':
        return this.server.activities.schedule(
          run,
          command.scheduleActivityTaskCommandAttributes ?? {},
          completedEventId,
          eager,
        );
      case 'COMMAND_TYPE_REQUEST_CANCEL_ACTIVITY_TASK':
        return this.server.activities.requestCancel(
          run,
          command.requestCancelActivityTaskCommandAttributes ?? {},
          completedEventId,
        );
      case 'COMMAND_TYPE_START_TIMER':
        return this.server.timers.start(run, command.startTimerCommandAttributes ?? {}, completedEventId);
      case 'COMMAND_TYPE_CANCEL_TIMER':
        return this.server.timers.cancel(run, command.cancelTimerCommandAttributes ?? {}, completedEventId);
      case 'COMMAND_TYPE_COMPLETE_WORKFLOW_EXECUTION':
        return this.server.runClose.close(run, 'Completed', 'WorkflowExecutionCompleted', {
          result: command.completeWorkflowExecutionCommandAttributes?.result,
          workflowTaskCompletedEventId: completedEventId,
        });
      case 'COMMAND_TYPE_FAIL_WORKFLOW_EXECUTION':
        return this.server.runClose.fail(
          run,
          command.failWorkflowExecutionCommandAttributes?.failure,
          completedEventId,
        );
      case 'COMMAND_TYPE_CANCEL_WORKFLOW_EXECUTION':
        return this.server.runClose.close(run, 'Canceled', 'WorkflowExecutionCanceled', {
          details: command.cancelWorkflowExecutionCommandAttributes?.details,
          workflowTaskCompletedEventId: completedEventId,
        });
      case 'COMMAND_TYPE_CONTINUE_AS_NEW_WORKFLOW_EXECUTION':
        return this.server.runClose.continueAsNew(
          run,
          command.continueAsNewWorkflowExecutionCommandAttributes ?? {},
          completedEventId,
        );
      case 'COMMAND_TYPE_RECORD_MARKER': {
        const attrs = command.recordMarkerCommandAttributes ?? {};
        this.server.history.append(run, {
          kind: 'MarkerRecorded',
          attributes: {
            markerName: attrs.markerName,
            details: attrs.details,
            header: attrs.header,
            failure: attrs.failure,
            workflowTaskCompletedEventId: completedEventId,
          },
        });
        return;
      }
      case 'COMMAND_TYPE_UPSERT_WORKFLOW_SEARCH_ATTRIBUTES': {
        const attrs = command.upsertWorkflowSearchAttributesCommandAttributes ?? {};
        const fields = typedSearchAttributes(
          this.server.namespaces.get(run.namespace),
          attrs.searchAttributes?.indexedFields ?? {},
        );
        for (const [name, payload] of Object.entries(fields)) {
          if (payloadValue(payload) === undefined || payloadValue(payload) === null) delete run.searchAttributes[name];
          else run.searchAttributes[name] = payload;
        }
        this.server.history.append(run, {
          kind: 'UpsertWorkflowSearchAttributes',
          attributes: { searchAttributes: attrs.searchAttributes, workflowTaskCompletedEventId: completedEventId },
        });
        return;
      }
      case 'COMMAND_TYPE_MODIFY_WORKFLOW_PROPERTIES': {
        const attrs = command.modifyWorkflowPropertiesCommandAttributes ?? {};
        for (const [name, payload] of Object.entries(attrs.upsertedMemo?.fields ?? {})) {
          if (payloadValue(payload) === undefined) delete run.memo[name];
          else run.memo[name] = payload;
        }
        this.server.history.append(run, {
          kind: 'WorkflowPropertiesModified',
          attributes: { upsertedMemo: attrs.upsertedMemo, workflowTaskCompletedEventId: completedEventId },
        });
        return;
      }
      case 'COMMAND_TYPE_START_CHILD_WORKFLOW_EXECUTION':
        return this.server.children.initiate(
          run,
          command.startChildWorkflowExecutionCommandAttributes ?? {},
          completedEventId,
          deferred,
        );
      case 'COMMAND_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION':
        return this.server.children.signalExternal(
          run,
          command.signalExternalWorkflowExecutionCommandAttributes ?? {},
          completedEventId,
          deferred,
        );
      case 'COMMAND_TYPE_REQUEST_CANCEL_EXTERNAL_WORKFLOW_EXECUTION':
        return this.server.children.cancelExternal(
          run,
          command.requestCancelExternalWorkflowExecutionCommandAttributes ?? {},
          completedEventId,
          deferred,
        );
      default:
        throw invalidArgument(`unsupported command ${command.commandType}`);
    }
  }
}
