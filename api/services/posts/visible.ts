/** Which posts a caller may see, and how a lost post refuses every change. */
import type { PostRecord, PostStore } from '../../../db/posts';
import { coversBrand, type AuthenticatedUser } from '../caller';
import { gone, notFound } from '../errors';

const POST_NOT_FOUND = 'No such post';

/** The post as projected, if the caller may see it; not found otherwise (other brands' posts do not exist for them). */
export async function visiblePost(
  posts: Pick<PostStore, 'findById'>,
  user: AuthenticatedUser,
  postId: string,
): Promise<PostRecord> {
  const post = await posts.findById(postId);
  if (!post || !coversBrand(user, post.brandId)) throw notFound(POST_NOT_FOUND);
  return post;
}

/** The refusal of any action on a lost post: its workflow is gone, and the reason says how. */
export function lostPostGone(post: PostRecord) {
  const reason = post.state.exitReason ?? 'its workflow is gone';
  return gone(`post ${post.id} was lost: ${reason}; it takes no further changes`, { postId: post.id, reason });
}
