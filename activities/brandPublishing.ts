import { ApplicationFailure } from '@temporalio/common';
import type { Knex } from 'knex';
import { createBrandStore } from '../db/brands';
import { BRAND_NOT_FOUND, type BrandPublishingActivities } from './brandContract';

/** The brand publishing workflow's activities, bound to the worker's Postgres. */
export function createBrandPublishingActivities({ db }: { db: Knex }): BrandPublishingActivities {
  const brands = createBrandStore(db);
  return {
    async recordBrandPublishing({ brandId, paused, reason }) {
      const brand = await brands.setPublishingPaused({ brandId, paused, reason: reason ?? null });
      if (!brand) {
        throw ApplicationFailure.create({
          type: BRAND_NOT_FOUND,
          message: `brand ${brandId} does not exist`,
          nonRetryable: true,
        });
      }
      return { paused: brand.publishingPaused, pausedReason: brand.pausedReason };
    },

    async listPostsToTell({ brandId, afterPostId, limit }) {
      return { postIds: await brands.postsNotYetPublished({ brandId, afterPostId, limit }) };
    },
  };
}
