/**
 * The crisis monitor's signal, updates and query. Validators refuse before anything reaches
 * history; a change queued behind another is judged again when its turn comes.
 */
import { ApplicationFailure, setHandler } from '@temporalio/workflow';
import { TEXT } from '../../domain/limits';
import { ACTION_RULES } from '../../domain/permissions';
import { textProblem } from '../../domain/text';
import type { Actor, Role } from '../../domain/types';
import {
  confirmCrisis,
  crisisMessage,
  declareCrisis,
  endCrisis,
  getCrisisState,
  type ConfirmCrisisRequest,
  type CrisisMonitorStatus,
  type DeclareCrisisRequest,
  type EndCrisisRequest,
} from './messages';
import type { CrisisRun } from './run';

const MANAGING_ROLES: readonly Role[] = ACTION_RULES.manageCrisis.roles;

function refuse(type: 'InvalidInput' | 'Forbidden' | 'InvalidTransition', message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
}

function requireManager(by: Actor, what: string): void {
  if (!by || typeof by.userId !== 'string' || by.userId === '' || !Array.isArray(by.roles)) {
    throw refuse('InvalidInput', 'the request names no user');
  }
  if (!by.roles.some((role) => MANAGING_ROLES.includes(role))) {
    throw refuse('Forbidden', `${what} requires one of: ${MANAGING_ROLES.join(', ')}`);
  }
}

function requireReason(reason: unknown, required: boolean): void {
  if (reason === undefined && !required) return;
  if (typeof reason !== 'string') throw refuse('InvalidInput', 'reason must be text');
  const problem = textProblem(reason, TEXT.crisisReason);
  if (problem) throw refuse('InvalidInput', `reason ${problem.message}`);
}

function requireStatus(run: CrisisRun, allowed: CrisisMonitorStatus[], action: string): void {
  const { status } = run.state;
  if (allowed.includes(status)) return;
  const now =
    status === 'in_crisis'
      ? 'the brand is in a crisis already'
      : status === 'awaiting_confirmation'
        ? 'a crisis alert waits for confirmation'
        : 'the brand is not in a crisis';
  throw refuse('InvalidTransition', `cannot ${action}: ${now}`);
}

export function registerCrisisHandlers(run: CrisisRun): void {
  setHandler(crisisMessage, (signal) => run.exclusive(() => run.observe(signal)));
  setHandler(getCrisisState, () => run.state);

  setHandler(
    declareCrisis,
    ({ by, reason }: DeclareCrisisRequest) =>
      run.exclusive(async () => {
        requireStatus(run, ['watching', 'awaiting_confirmation'], 'declare a crisis');
        const how = run.state.status === 'awaiting_confirmation' ? 'confirmed' : 'manual';
        await run.declare({ by: by.userId, how, reason });
        return run.result();
      }),
    {
      validator: ({ by, reason }: DeclareCrisisRequest) => {
        requireManager(by, 'declaring a crisis');
        requireReason(reason, true);
        requireStatus(run, ['watching', 'awaiting_confirmation'], 'declare a crisis');
      },
    },
  );

  setHandler(
    confirmCrisis,
    ({ by, reason }: ConfirmCrisisRequest) =>
      run.exclusive(async () => {
        requireStatus(run, ['awaiting_confirmation'], 'confirm');
        const detected = run.state.crisis?.detection?.reason ?? 'confirmed';
        await run.declare({ by: by.userId, how: 'confirmed', reason: reason ?? detected });
        return run.result();
      }),
    {
      validator: ({ by, reason }: ConfirmCrisisRequest) => {
        requireManager(by, 'confirming a crisis');
        requireReason(reason, false);
        requireStatus(run, ['awaiting_confirmation'], 'confirm');
      },
    },
  );

  setHandler(
    endCrisis,
    ({ by, reason }: EndCrisisRequest) =>
      run.exclusive(async () => {
        requireStatus(run, ['in_crisis', 'awaiting_confirmation'], 'end a crisis');
        await run.end({ by: by.userId, reason });
        return run.result();
      }),
    {
      validator: ({ by, reason }: EndCrisisRequest) => {
        requireManager(by, 'ending a crisis');
        requireReason(reason, true);
        requireStatus(run, ['in_crisis', 'awaiting_confirmation'], 'end a crisis');
      },
    },
  );
}
