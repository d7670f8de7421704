import type { Actor, PostStage } from '../../domain/types';
import { mayTakeAction, stageRefusal, type PostAction } from '../../domain/permissions';

const author: Actor = { userId: 'ann', roles: ['author'] };
const otherAuthor: Actor = { userId: 'ben', roles: ['author'] };
const manager: Actor = { userId: 'max', roles: ['manager'] };
const admin: Actor = { userId: 'ada', roles: ['admin'] };
const designer: Actor = { userId: 'dana', roles: ['designer'] };

const ACTIONS: PostAction[] = ['reschedule', 'cancel', 'publish_now', 'retry_failed_variants'];

describe('mayTakeAction', () => {
  it.each(ACTIONS)('lets a manager and an admin %s any post', (action) => {
    expect(mayTakeAction({ action, actor: manager, authorId: 'ann' })).toEqual({ ok: true });
    expect(mayTakeAction({ action, actor: admin, authorId: 'ann' })).toEqual({ ok: true });
  });

  it.each(['reschedule', 'cancel', 'retry_failed_variants'] as PostAction[])(
    'lets the author %s their own post only',
    (action) => {
      expect(mayTakeAction({ action, actor: author, authorId: 'ann' })).toEqual({ ok: true });
      expect(mayTakeAction({ action, actor: otherAuthor, authorId: 'ann' }).ok).toBe(false);
    },
  );

  it('keeps publishing ahead of time from the author', () => {
    expect(mayTakeAction({ action: 'publish_now', actor: author, authorId: 'ann' })).toEqual({
      ok: false,
      reason: 'a post is published now only by manager or admin',
    });
  });

  describe('submitting a revision', () => {
    const drafting = (escalated: boolean) => ({ backupRole: 'manager' as const, escalated });
    const revise = (actor: Actor, escalated = false) =>
      mayTakeAction({ action: 'submit_revision', actor, authorId: 'ann', escalation: drafting(escalated) });

    it('lets the author revise their own post whatever their roles', () => {
      expect(revise({ userId: 'ann', roles: [] })).toEqual({ ok: true });
    });

    it("refuses another author a colleague's post, saying who may", () => {
      expect(revise(otherAuthor)).toEqual({
        ok: false,
        reason: 'a post is revised only by its author, or by manager once drafting has been escalated',
      });
      expect(revise(otherAuthor, true).ok).toBe(false);
    });

    it('lets the backup role step in only once drafting has been escalated', () => {
      expect(revise(manager).ok).toBe(false);
      expect(revise(manager, true)).toEqual({ ok: true });
    });

    it('gives an admin no say over the draft unless admin is the backup role', () => {
      expect(revise(admin, true).ok).toBe(false);
      expect(
        mayTakeAction({
          action: 'submit_revision',
          actor: admin,
          authorId: 'ann',
          escalation: { backupRole: 'admin', escalated: true },
        }),
      ).toEqual({ ok: true });
    });

    it('lets only the author revise when nothing is known of an escalation', () => {
      expect(mayTakeAction({ action: 'submit_revision', actor: manager, authorId: 'ann' })).toEqual({
        ok: false,
        reason: 'a post is revised only by its author',
      });
    });
  });

  it('refuses a reviewer role with the roles that may act', () => {
    expect(mayTakeAction({ action: 'cancel', actor: designer, authorId: 'ann' })).toEqual({
      ok: false,
      reason: 'a post is cancelled only by its author or manager or admin',
    });
  });
});

describe('stageRefusal', () => {
  const beforePublishing: PostStage[] = [
    'ideation',
    'drafting',
    'design',
    'copy_edit',
    'legal_review',
    'final_approval',
    'scheduled',
  ];

  it.each(beforePublishing)('allows rescheduling and cancelling in %s', (stage) => {
    expect(stageRefusal({ action: 'reschedule', stage })).toBeUndefined();
    expect(stageRefusal({ action: 'cancel', stage })).toBeUndefined();
  });

  it('refuses cancelling once publishing has begun', () => {
    expect(stageRefusal({ action: 'cancel', stage: 'publishing' })).toBe(
      'post is publishing; it can no longer be changed',
    );
    expect(stageRefusal({ action: 'cancel', stage: 'tracking' })).toBe(
      'post is in tracking; a published post cannot be cancelled',
    );
    expect(stageRefusal({ action: 'reschedule', stage: 'published' })).toBe(
      'post is in published; a published post cannot be rescheduled',
    );
    expect(stageRefusal({ action: 'cancel', stage: 'failed' })).toBe(
      'post is failed; only its failed variants can be retried',
    );
  });

  it('allows publishing now only from scheduled', () => {
    expect(stageRefusal({ action: 'publish_now', stage: 'scheduled' })).toBeUndefined();
    expect(stageRefusal({ action: 'publish_now', stage: 'legal_review' })).toBe(
      'post is in legal_review; only a scheduled post can be published now',
    );
    expect(stageRefusal({ action: 'publish_now', stage: 'tracking' })).toBe(
      'post is in tracking; it has already been published',
    );
  });

  it('allows a retry once something has been published or everything failed', () => {
    for (const stage of ['failed', 'published', 'tracking'] as PostStage[]) {
      expect(stageRefusal({ action: 'retry_failed_variants', stage })).toBeUndefined();
    }
    expect(stageRefusal({ action: 'retry_failed_variants', stage: 'scheduled' })).toBe(
      'post is in scheduled; nothing has been published to retry',
    );
  });

  it.each(['completed', 'rejected', 'cancelled'] as PostStage[])('refuses every action in %s', (stage) => {
    for (const action of ACTIONS)
      expect(stageRefusal({ action, stage })).toBe(`post is ${stage}; it takes no further changes`);
  });
});
