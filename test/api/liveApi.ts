/**
 * The API in front of the real post workflow: the offline Temporal server (time skipping), a
 * worker with the real activities on the run's Postgres, and the app on a socket. The API's own
 * Temporal client never unlocks time skipping, so virtual time moves only when a test asks.
 */
import { Client } from '@temporalio/client';
import type { Platform } from '../../domain/types';
import { toLocalDateTime } from '../../domain/publishTime';
import { insertBrandFixture, type BrandFixture } from '../helpers/db';
import { startPostHarness, type PostHarness } from '../workflows/postHarness';
import { call, startApi, type ApiResponse, type Json, type RunningApi } from './http';

export interface LiveApi {
  harness: PostHarness;
  api: RunningApi;
  teardown(): Promise<void>;
}

export async function startLiveApi(): Promise<LiveApi> {
  const harness = await startPostHarness();
  const temporal = new Client({ connection: harness.env.connection, namespace: harness.env.namespace ?? 'default' });
  const api = await startApi({ db: harness.db, temporal, taskQueue: harness.taskQueue });
  return {
    harness,
    api,
    async teardown() {
      await api.close();
      await harness.teardown();
    },
  };
}

export function brand(live: LiveApi, platforms: Platform[] = ['x', 'linkedin']): Promise<BrandFixture> {
  return insertBrandFixture(live.harness.db, { platforms, timeZone: 'Europe/Berlin' });
}

/** A wall-clock time in the brand's zone, `aheadMs` after the server's (virtual) now. */
export async function localTimeAhead(live: LiveApi, fixture: BrandFixture, aheadMs: number): Promise<string> {
  const now = await live.harness.env.currentTimeMs();
  return toLocalDateTime({ instant: new Date(now + aheadMs).toISOString(), timeZone: fixture.brand.timeZone });
}

export async function createPost(
  live: LiveApi,
  fixture: BrandFixture,
  options: { key?: string; body?: Record<string, unknown>; withDraft?: boolean } = {},
): Promise<ApiResponse> {
  const publishAt = await localTimeAhead(live, fixture, 3 * 24 * 60 * 60 * 1000);
  const content =
    options.withDraft === false
      ? { targets: fixture.accounts.map((account) => ({ accountId: account.id })) }
      : {
          draft: {
            variants: fixture.accounts.map((account) => ({
              accountId: account.id,
              text: 'Autumn blend is back this week',
            })),
          },
        };
  return call(live.api, 'POST', '/v1/posts', {
    key: options.key ?? fixture.users.author.apiKey,
    body: { brandId: fixture.brand.id, title: 'Autumn blend', riskTier: 'low', publishAt, ...content, ...options.body },
  });
}

/** The post's state from GET /v1/posts/:id once `ready` holds (the workflow moves on asynchronously). */
export async function postWhen(
  live: LiveApi,
  key: string,
  postId: string,
  ready: (post: Json) => boolean,
  timeoutMs = 20_000,
): Promise<Json> {
  const giveUpAt = Date.now() + timeoutMs;
  for (;;) {
    const response = await call(live.api, 'GET', `/v1/posts/${postId}`, { key });
    if (response.status === 200 && ready(response.body.post)) return response.body;
    if (Date.now() > giveUpAt) {
      throw new Error(
        `post ${postId} did not get there in time; last answer ${response.status} ${response.text.slice(0, 500)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

export function stageOpen(stage: string): (post: Json) => boolean {
  return (post) => Array.isArray(post.openStages) && post.openStages.includes(stage);
}

/** Creates a low-risk post as the brand's author and waits until its first review stage is open. */
export async function postAwaiting(
  live: LiveApi,
  fixture: BrandFixture,
  stage: 'copy_edit' | 'drafting',
): Promise<{ postId: string; revision: number }> {
  const created = await createPost(live, fixture, { withDraft: stage !== 'drafting' });
  if (created.status !== 201) throw new Error(`creating a post failed: ${created.status} ${created.text}`);
  const detail = await postWhen(live, fixture.users.author.apiKey, created.body.postId, stageOpen(stage));
  return { postId: created.body.postId, revision: detail.post.revision };
}
