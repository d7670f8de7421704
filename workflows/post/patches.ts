/**
 * Changes to the post workflow's decisions, guarded with `patched()` so that runs started by
 * earlier code replay unchanged (see test/histories/). Remove a guard with `deprecatePatch` once no
 * run that lacks it is open any more.
 */

/**
 * One local activity per step: a transition records its notifications with itself (a webhook that
 * does not take one is retried by a background activity), and the snapshots due at one moment are
 * taken together. Before, each notification and each snapshot had its own local activity.
 */
export const ONE_ACTIVITY_PER_STEP = 'one-activity-per-step';

/**
 * A transition whose record can never be written (Postgres or the text policy refuses a value in
 * it, which the activity reports as non-retryable) fails the post with the reason, written storable.
 * Before, the write was retried forever and the post stayed where it was.
 */
export const UNRECORDABLE_TRANSITION_FAILS_POST = 'unrecordable-transition-fails-post';

/**
 * Only the post's author writes its revisions (or drafting's backup role once escalated). Before,
 * anyone holding the author role could replace a colleague's draft. Guards the check the update
 * handler repeats once setting up is over, which replays.
 */
export const REVISIONS_BY_AUTHOR_ONLY = 'revisions-by-author-only';

/**
 * A publish timer that fires more than a minute late reads the brand's late-publishing policy and,
 * when the brand asks for it, holds the post for a person instead of publishing (a local activity
 * and a transition that earlier runs did not make).
 */
export const LATE_PUBLICATION_POLICY = 'late-publication-policy';
