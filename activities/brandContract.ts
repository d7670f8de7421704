/**
 * What the brand publishing workflow asks of Postgres. Workflows `import type` this contract;
 * both calls are safe to repeat.
 */

export { BRAND_NOT_FOUND } from '../domain/failureTypes';

export interface RecordBrandPublishingInput {
  brandId: string;
  paused: boolean;
  reason?: string;
}
export interface RecordBrandPublishingResult {
  paused: boolean;
  pausedReason: string | null;
}

export interface ListPostsToTellInput {
  brandId: string;
  /** Keyset paging by post id, which never changes, so no post is skipped while others move on. */
  afterPostId?: string;
  limit: number;
}
export interface ListPostsToTellResult {
  postIds: string[];
}

export interface BrandPublishingActivities {
  /** Sets the brand's flag, which posts created from now on read. */
  recordBrandPublishing(input: RecordBrandPublishingInput): Promise<RecordBrandPublishingResult>;
  /** One page of the brand's posts that have not started publishing, by id. */
  listPostsToTell(input: ListPostsToTellInput): Promise<ListPostsToTellResult>;
}
