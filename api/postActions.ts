/**
 * The six things people do to a post, declared once: the workflow update each one sends, who may
 * attempt it, which permission rule the API checks early, how the update's argument is built, and
 * how the operation is documented. The posts router mounts one operation per entry and the post
 * service carries each one out from the same entry, so a seventh action is one more row.
 */
import type { UpdateDefinition } from '@temporalio/common';
import type { output, ZodType } from 'zod';
import type { Account } from '../db/accounts';
import type { PostRecord } from '../db/posts';
import type { ActionName, PostAction } from '../domain/permissions';
import type { RevisionContent } from '../domain/types';
import { cancel, publishNow, reschedule, retryFailedVariants, review, submitRevision } from '../workflows/messages';
import { actorOf, type AuthenticatedUser } from './services/caller';
import { draftContent, resolveBrandAccounts, resolvePublishAt } from './services/postInput';
import { CancelBody, EmptyBody, PublishNowBody, RescheduleBody, ReviewBody, SubmitRevisionBody } from './schemas';

/** What an action may look up before the post's state is checked: the brand's accounts. */
export interface ActionLookups {
  findAccounts(ids: string[]): Promise<Account[]>;
}

export interface PostActionSpec<B extends ZodType = ZodType, Arg = unknown, Prepared = undefined> {
  /** Last segment of `/v1/posts/:id/<path>`. */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  /** The roles that may attempt it (domain/permissions.ts). */
  access: ActionName;
  /** The rule checked against the projected post before the workflow is asked; the workflow checks it again. */
  permission?: PostAction;
  body: B;
  /** Statuses besides the ones every action may answer with. */
  errors: number[];
  successDescription: string;
  update: UpdateDefinition<unknown, [Arg]>;
  /** Input checks that come before the post's state is judged (a bad account is a 400 whatever the stage). */
  prepare?(input: { body: output<B>; post: PostRecord; lookups: ActionLookups }): Promise<Prepared>;
  /** The update's argument; may refuse input that only the post's own data can judge. */
  argument(input: { body: output<B>; post: PostRecord; user: AuthenticatedUser; prepared: Prepared }): Arg;
}

/** Keeps each row's body, argument and preparation types tied together while the table stays one list. */
function action<B extends ZodType, Arg, Prepared = undefined>(spec: PostActionSpec<B, Arg, Prepared>): PostActionSpec {
  return spec as unknown as PostActionSpec;
}

export const POST_ACTIONS: readonly PostActionSpec[] = [
  action({
    path: 'revisions',
    operationId: 'submitRevision',
    summary: 'Submit a revision (drafting)',
    description:
      "New content, a variant per account. Approvals of earlier revisions no longer count. The post's author, " +
      'or the backup role once drafting has been escalated.',
    access: 'submitRevision',
    permission: 'submit_revision',
    body: SubmitRevisionBody,
    errors: [404, 409, 410, 422],
    successDescription: 'The revision number',
    update: submitRevision,
    prepare: async ({ body, post, lookups }): Promise<RevisionContent> => {
      const accounts = await resolveBrandAccounts({
        brandId: post.brandId,
        accountIds: body.variants.map((variant) => variant.accountId),
        path: ['variants'],
        findByIds: (ids) => lookups.findAccounts(ids),
      });
      return draftContent({ draft: body, accounts });
    },
    argument: ({ user, prepared }) => ({ by: actorOf(user), content: prepared }),
  }),
  action({
    path: 'reviews',
    operationId: 'reviewPost',
    summary: 'Approve, reject or request changes',
    description:
      "Decides the named stage for the revision the reviewer looked at. Only the stage's role (or its backup " +
      "role once escalated) may decide, never the post's author; a decision for another stage or an older " +
      'revision is refused with 409.',
    access: 'review',
    body: ReviewBody,
    errors: [404, 409, 410],
    successDescription: 'The stage and revision now open',
    update: review,
    argument: ({ body, user }) => ({
      by: actorOf(user),
      stage: body.stage,
      revision: body.revision,
      decision: body.decision,
      ...(body.comment !== undefined ? { comment: body.comment } : {}),
    }),
  }),
  action({
    path: 'reschedule',
    operationId: 'reschedulePost',
    summary: 'Move the publish time',
    description:
      "A local date-time is read in `timeZone`, by default the post's own zone. Allowed until publishing starts.",
    access: 'reschedule',
    permission: 'reschedule',
    body: RescheduleBody,
    errors: [404, 409, 410],
    successDescription: 'The new publish time',
    update: reschedule,
    argument: ({ body, post, user }) => {
      const timeZone = body.timeZone ?? post.timeZone;
      return { by: actorOf(user), publishAt: resolvePublishAt({ publishAt: body.publishAt, timeZone }), timeZone };
    },
  }),
  action({
    path: 'cancel',
    operationId: 'cancelPost',
    summary: 'Cancel the post',
    description: 'Allowed until publishing starts.',
    access: 'cancel',
    permission: 'cancel',
    body: CancelBody,
    errors: [404, 409, 410],
    successDescription: 'The stage the post was cancelled in',
    update: cancel,
    argument: ({ body, user }) => ({ by: actorOf(user), reason: body.reason }),
  }),
  action({
    path: 'publish-now',
    operationId: 'publishPostNow',
    summary: 'Publish an approved, scheduled post now',
    description:
      'While the brand is in a crisis the post is held, and publish-now answers 409 ("publishing is held: crisis") ' +
      'unless the body says `{"confirmCrisis": true}`: then it publishes, and its record names who set the hold ' +
      "aside. A brand's pause is never set aside. A post whose publish time passed while held is released by " +
      'publish-now (or a reschedule).',
    access: 'publishNow',
    permission: 'publish_now',
    body: PublishNowBody,
    errors: [404, 409, 410],
    successDescription: 'Publishing has started',
    update: publishNow,
    argument: ({ body, user }) => ({
      by: actorOf(user),
      ...(body.confirmCrisis === true ? { overrideHolds: true } : {}),
    }),
  }),
  action({
    path: 'retry',
    operationId: 'retryFailedVariants',
    summary: 'Retry the variants that failed to publish',
    description: 'Variants already published are never published again.',
    access: 'retryFailedVariants',
    permission: 'retry_failed_variants',
    body: EmptyBody,
    errors: [404, 409, 410],
    successDescription: 'How many variants are being retried',
    update: retryFailedVariants,
    argument: ({ user }) => ({ by: actorOf(user) }),
  }),
];
