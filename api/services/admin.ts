/** Administration: bring the projections in line with what Temporal actually runs. */
import type { PostReconciler } from '../reconciliation';
import { brandScope, type AuthenticatedUser } from './caller';

export function createAdminService({ reconciler }: { reconciler: Pick<PostReconciler, 'reconcileOpenPosts'> }) {
  return {
    /** Closes the open posts (of the brands the admin works for) whose workflow is gone. */
    reconcile: (user: AuthenticatedUser) => reconciler.reconcileOpenPosts({ brandIds: brandScope(user) }),
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
