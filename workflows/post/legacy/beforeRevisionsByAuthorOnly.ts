/**
 * The revision rule of runs started before REVISIONS_BY_AUTHOR_ONLY: anyone holding drafting's role
 * could replace a colleague's draft. A handler that waited for setting up checks again on replay,
 * so such a run must still accept the revision it accepted then. Remove with the patch.
 */
import type { Actor, StageSpec } from '../../../domain/types';

export function colleagueMayWrite({ actor, drafting }: { actor: Actor; drafting: StageSpec }): boolean {
  return actor.roles.includes(drafting.role);
}
