/**
 * One run of a brand's crisis monitor: its state, the one-at-a-time lane every change goes
 * through, the record of each transition, and the three things that change a crisis: an alert,
 * a declaration and an end.
 */
import { log, uuid4 } from '@temporalio/workflow';
import type { CrisisNotification } from '../../activities/crisisContract';
import { countMessage, emptyCrisisWindow, judgeWindow, pruneWindow, type CrisisPolicy } from '../../domain/crisis';
import { deliverCrisisNotification, readCrisisPolicy, recordCrisisTransition } from './activityProxies';
import { tellPostsAboutCrisis } from './holdPosts';
import type {
  CrisisMessageSignal,
  CrisisMonitorInput,
  CrisisMonitorState,
  CrisisUpdateResult,
  CurrentCrisis,
  PostHoldProgress,
} from './messages';

/** Message ids kept for de-duplication. */
export const RECENT_MESSAGE_IDS = 500;
/** Signals and updates one run handles before it continues as new. */
export const CHANGES_PER_RUN = 1000;
/**
 * How long after the crisis flag changes a post may still be created with the old value: its
 * creation reads the flag, then takes up to the API's Temporal deadline to start its workflow.
 */
export const LATE_POSTS_WINDOW_MS = 30_000;

const nowIso = (): string => new Date(Date.now()).toISOString();

interface LatePass {
  at: number;
  told: Set<string>;
  held: boolean;
  by: string;
  reason: string;
  passedPublishTime?: CrisisPolicy['passedPublishTime'];
}

export class CrisisRun {
  readonly state: CrisisMonitorState;
  readonly changesPerRun: number;
  /** Bumped on every change, so the main loop re-plans its timer. */
  version = 0;
  latePass: LatePass | null = null;
  private changes = 0;
  private lane: Promise<unknown> = Promise.resolve();

  constructor(input: CrisisMonitorInput) {
    this.changesPerRun = input.changesPerRun ?? CHANGES_PER_RUN;
    this.state = input.carried ?? {
      brandId: input.brandId,
      status: 'watching',
      crisis: null,
      window: emptyCrisisWindow(nowIso()),
      lastReading: null,
      lastAlertAt: null,
      recentMessageIds: [],
      posts: null,
      sequence: 0,
    };
  }

  exclusive<T>(change: () => Promise<T>): Promise<T> {
    this.changes += 1;
    const result = this.lane.then(change);
    this.lane = result.catch(() => undefined);
    return result;
  }

  get historyFull(): boolean {
    return this.changes >= this.changesPerRun;
  }

  result(): CrisisUpdateResult {
    return { status: this.state.status, crisisId: this.state.crisis?.crisisId ?? null, sequence: this.state.sequence };
  }

  /** Counts one message and, while the brand is only watched, judges the window. */
  async observe(signal: CrisisMessageSignal): Promise<void> {
    const { state } = this;
    // A signal has nobody to refuse: one without a message id cannot be de-duplicated and is not counted.
    if (typeof signal?.messageId !== 'string' || signal.messageId === '') return;
    if (state.recentMessageIds.includes(signal.messageId)) return;
    state.recentMessageIds = [...state.recentMessageIds, signal.messageId].slice(-RECENT_MESSAGE_IDS);
    const policy = await readCrisisPolicy({ brandId: state.brandId });
    const now = nowIso();
    // A message is counted when it arrived, but never ahead of the monitor's own time.
    const sentMs = typeof signal.at === 'string' ? Date.parse(signal.at) : NaN;
    const at = Number.isNaN(sentMs) || sentMs > Date.now() ? now : new Date(sentMs).toISOString();
    state.window = pruneWindow({ window: countMessage({ window: state.window, at, policy }), now, policy });
    const verdict = judgeWindow({ window: state.window, now, policy, lastAlertAt: state.lastAlertAt });
    state.lastReading = verdict.reading;
    this.version += 1;
    if (state.status !== 'watching' || !verdict.crossed) return;

    state.lastAlertAt = now;
    const crisis: CurrentCrisis = {
      crisisId: uuid4(),
      status: 'awaiting_confirmation',
      declaredHow: null,
      detectedAt: now,
      detection: { reading: verdict.reading, reason: verdict.reason },
      declaredBy: null,
      declareReason: null,
      declaredAt: null,
      policyVersion: policy.version,
    };
    state.crisis = crisis;
    if (policy.declare === 'automatic') {
      await this.declare({ by: 'system', how: 'automatic', reason: verdict.reason, policy });
      return;
    }
    state.status = 'awaiting_confirmation';
    await this.record({
      action: 'crisis_alert',
      actorId: 'system',
      detail: { reading: verdict.reading, reason: verdict.reason },
      notifications: [
        this.notification(
          policy,
          'crisis_alert',
          `Possible crisis: ${verdict.reason}. A manager confirms or ends it.`,
          {
            reading: verdict.reading,
          },
        ),
      ],
    });
  }

  /** Declares the crisis (the one awaiting confirmation, or a new one) and holds every post. */
  async declare({
    by,
    how,
    reason,
    policy,
  }: {
    by: string;
    how: 'automatic' | 'confirmed' | 'manual';
    reason: string;
    policy?: CrisisPolicy;
  }): Promise<void> {
    const { state } = this;
    const current = policy ?? (await readCrisisPolicy({ brandId: state.brandId }));
    const now = nowIso();
    const crisis: CurrentCrisis = state.crisis ?? {
      crisisId: uuid4(),
      status: 'active',
      declaredHow: null,
      detectedAt: null,
      detection: null,
      declaredBy: null,
      declareReason: null,
      declaredAt: null,
      policyVersion: current.version,
    };
    Object.assign(crisis, {
      status: 'active',
      declaredHow: how,
      declaredBy: by,
      declareReason: reason,
      declaredAt: now,
    });
    state.crisis = crisis;
    state.status = 'in_crisis';
    await this.record({
      action: 'crisis_declared',
      actorId: by,
      detail: { how, reason },
      notifications: [
        this.notification(current, 'crisis_declared', `Crisis declared (${how}): ${reason}. Scheduled posts are held.`),
      ],
    });
    await this.tellPosts({ held: true, by, reason });
  }

  /** Ends the crisis (or dismisses an alert nobody confirmed) and releases the posts it held. */
  async end({ by, reason }: { by: string; reason: string }): Promise<void> {
    const { state } = this;
    const crisis = state.crisis;
    if (!crisis) return;
    const policy = await readCrisisPolicy({ brandId: state.brandId });
    const wasDeclared = crisis.status === 'active';
    const now = nowIso();
    state.status = 'watching';
    state.lastAlertAt = now;
    await this.record(
      {
        action: wasDeclared ? 'crisis_ended' : 'crisis_dismissed',
        actorId: by,
        detail: { reason, ...(wasDeclared ? { passedPublishTime: policy.passedPublishTime } : {}) },
        notifications: [
          this.notification(
            policy,
            'crisis_ended',
            wasDeclared ? `Crisis ended: ${reason}` : `Crisis alert dismissed: ${reason}`,
          ),
        ],
      },
      { endedBy: by, endReason: reason, endedAt: now, status: wasDeclared ? 'ended' : 'dismissed' },
    );
    state.crisis = null;
    if (wasDeclared) await this.tellPosts({ held: false, by, reason, passedPublishTime: policy.passedPublishTime });
  }

  /** A pass over the brand's posts now, and another once posts created meanwhile have started. */
  private async tellPosts(change: Omit<LatePass, 'at' | 'told'>): Promise<void> {
    const progress: PostHoldProgress = {
      held: change.held,
      status: 'signalling',
      postsFound: 0,
      postsSignalled: 0,
      postsNotReached: [],
    };
    this.state.posts = progress;
    const pass: LatePass = { ...change, at: Date.now() + LATE_POSTS_WINDOW_MS, told: new Set() };
    await tellPostsAboutCrisis({ brandId: this.state.brandId, progress, told: pass.told, signal: signalOf(pass) });
    progress.status = 'checking_late_posts';
    this.latePass = pass;
    this.version += 1;
  }

  /** The late pass, unless a newer change replaced it. */
  async tellLatePosts(pass: LatePass): Promise<void> {
    if (this.latePass !== pass || !this.state.posts) return;
    this.latePass = null;
    await tellPostsAboutCrisis({
      brandId: this.state.brandId,
      progress: this.state.posts,
      told: pass.told,
      signal: signalOf(pass),
    });
    this.state.posts.status = 'done';
    this.version += 1;
  }

  private notification(
    policy: CrisisPolicy,
    kind: CrisisNotification['kind'],
    message: string,
    data?: Record<string, unknown>,
  ): CrisisNotification {
    const crisisId = this.state.crisis?.crisisId ?? 'none';
    return {
      notificationId: `crisis:${this.state.brandId}:${crisisId}:${kind}`,
      kind,
      brandId: this.state.brandId,
      crisisId,
      userIds: [...policy.contacts],
      message,
      ...(data ? { data } : {}),
    };
  }

  private async record(
    transition: {
      action: string;
      actorId: string;
      detail?: Record<string, unknown>;
      notifications?: CrisisNotification[];
    },
    ending?: { endedBy: string; endReason: string; endedAt: string; status: 'ended' | 'dismissed' },
  ): Promise<void> {
    const { state } = this;
    const crisis = state.crisis;
    if (!crisis) return;
    state.sequence += 1;
    this.version += 1;
    const notifications = transition.notifications ?? [];
    const { undelivered } = await recordCrisisTransition({
      brandId: state.brandId,
      sequence: state.sequence,
      action: transition.action,
      actorId: transition.actorId,
      at: nowIso(),
      ...(transition.detail ? { detail: transition.detail } : {}),
      crisis: {
        crisisId: crisis.crisisId,
        brandId: state.brandId,
        status: ending?.status ?? crisis.status,
        declaredHow: crisis.declaredHow,
        detectedAt: crisis.detectedAt,
        detection: crisis.detection,
        declaredBy: crisis.declaredBy,
        declareReason: crisis.declareReason,
        declaredAt: crisis.declaredAt,
        endedBy: ending?.endedBy ?? null,
        endReason: ending?.endReason ?? null,
        endedAt: ending?.endedAt ?? null,
        policyVersion: crisis.policyVersion,
      },
      ...(notifications.length > 0 ? { notifications } : {}),
    });
    for (const notification of notifications) {
      if (!undelivered.includes(notification.notificationId)) continue;
      void deliverCrisisNotification(notification).catch((error: unknown) => {
        // After the last attempt the notification stays recorded, undelivered, in Postgres.
        log.warn('crisis notification not delivered', {
          notificationId: notification.notificationId,
          error: error instanceof Error ? error.message : String(error),
        });
      });
    }
  }
}

function signalOf(pass: Omit<LatePass, 'at' | 'told'>) {
  return {
    held: pass.held,
    by: pass.by,
    reason: pass.reason,
    ...(pass.passedPublishTime ? { passedPublishTime: pass.passedPublishTime } : {}),
  };
}
