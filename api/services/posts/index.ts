/** The post use cases behind the posts router: create, read, and the actions of the action table. */
import { createPostActions, type PostActionDeps } from './actions';
import { createPostCreation, type PostCreationDeps } from './creation';
import { createPostReading, type PostReadingDeps } from './reading';

export type PostServiceDeps = PostCreationDeps & PostReadingDeps & PostActionDeps;

export function createPostService(deps: PostServiceDeps) {
  return { create: createPostCreation(deps), ...createPostReading(deps), act: createPostActions(deps) };
}

export type PostService = ReturnType<typeof createPostService>;
export type { CreatedPost } from './creation';
export type { PostActionResult } from './actions';
