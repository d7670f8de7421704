import { createBrandStore } from '../db/brands';
import { DEFAULT_LATE_PUBLISHING } from '../domain/latePublishing';
import type { PostActivities } from './contract';
import type { PostActivityDeps } from './deps';

/** Read when a publish timer fires late, so the brand's choice at that moment applies. */
export function createReadLatePublishing(deps: PostActivityDeps): PostActivities['readLatePublishing'] {
  const brands = createBrandStore(deps.db);
  return async function readLatePublishing({ brandId }) {
    return (await brands.findById(brandId))?.latePublishing ?? DEFAULT_LATE_PUBLISHING;
  };
}
