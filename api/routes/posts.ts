/**
 * Posts over HTTP: create one (which starts its workflow), list and read them, read their audit
 * trail, and the actions of the action table (api/postActions.ts), one operation each. The post
 * service carries them out; the workflow decides whether an action is allowed at this stage for
 * this user.
 */
import { mountOperation, type OperationTarget } from '../operations';
import { POST_ACTIONS } from '../postActions';
import {
  AuditQuery,
  AuditResponse,
  CreatePostBody,
  CreatePostHeaders,
  CreatedPostResponse,
  ErrorResponse,
  ListPostsQuery,
  PostDetailResponse,
  PostIdParams,
  PostListResponse,
  UpdateAcceptedResponse,
} from '../schemas';
import type { ApiServices } from '../services';

export function mountPostRoutes(target: OperationTarget, { posts }: Pick<ApiServices, 'posts'>): void {
  mountOperation(target, {
    method: 'post',
    path: '/v1/posts',
    operationId: 'createPost',
    tag: 'posts',
    summary: 'Create a post and start its review workflow',
    description:
      'Starts the workflow `post:<id>`. The review stages follow from the risk tier, flags and urgency. ' +
      'Give `targets` (accounts to publish to, content to follow in drafting) or a `draft` with the text ' +
      "and media per account. A post created while its brand's publishing is paused starts paused.",
    access: 'createPost',
    body: CreatePostBody,
    headers: CreatePostHeaders,
    errors: [404, 410],
    otherResponses: {
      422: {
        description: 'The Idempotency-Key was already used by this user for a request with a different body',
        schema: ErrorResponse,
      },
    },
    success: {
      status: 201,
      description:
        'The post exists and its workflow is running; `stage` is the stage its first step entered (drafting ' +
        'when the draft fails the quality checks). A repeat with the same Idempotency-Key and body answers the same post',
      schema: CreatedPostResponse,
    },
    handle: async ({ body, user, res, headers }) => {
      const idempotencyKey = headers['idempotency-key'];
      const created = await posts.create({ user, body, ...(idempotencyKey ? { idempotencyKey } : {}) });
      res.setHeader('Location', `/v1/posts/${created.postId}`);
      return created;
    },
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/posts',
    operationId: 'listPosts',
    tag: 'posts',
    summary: 'List posts',
    description:
      'Filter by stage, brand, campaign, platform and publish window; ordered by publish time. Page with ' +
      '`limit` and either `cursor` (from `nextCursor`) or `offset`. Read from the projection in Postgres.',
    access: 'readPosts',
    query: ListPostsQuery,
    success: { status: 200, description: 'One page of posts', schema: PostListResponse },
    handle: ({ query, user }) => posts.list(user, query),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/posts/:id',
    operationId: 'getPost',
    tag: 'posts',
    summary: "A post's current state",
    description:
      "Asks the post's workflow for its live state. When the workflow has finished, or cannot answer right " +
      'now, answers with the state last projected to Postgres; `source` says which. A post whose workflow is ' +
      'gone from Temporal is closed in the stage `lost` and `staleReason` says how it was lost.',
    access: 'readPosts',
    params: PostIdParams,
    errors: [404],
    success: { status: 200, description: 'The post', schema: PostDetailResponse },
    handle: ({ params, user }) => posts.get(user, params.id),
  });

  mountOperation(target, {
    method: 'get',
    path: '/v1/posts/:id/audit',
    operationId: 'getPostAudit',
    tag: 'posts',
    summary: "A post's audit trail",
    description: 'Every transition: who did what, when, from which stage to which; oldest first.',
    access: 'readPosts',
    params: PostIdParams,
    query: AuditQuery,
    errors: [404],
    success: { status: 200, description: 'The audit entries', schema: AuditResponse },
    handle: ({ params, query, user }) => posts.audit(user, params.id, query),
  });

  for (const action of POST_ACTIONS) {
    mountOperation(target, {
      method: 'post',
      path: `/v1/posts/:id/${action.path}`,
      operationId: action.operationId,
      tag: 'post actions',
      summary: action.summary,
      ...(action.description !== undefined ? { description: action.description } : {}),
      access: action.access,
      params: PostIdParams,
      body: action.body,
      errors: action.errors,
      success: { status: 200, description: action.successDescription, schema: UpdateAcceptedResponse },
      handle: ({ params, body, user }) => posts.act(action, { user, postId: params.id, body }),
    });
  }
}
