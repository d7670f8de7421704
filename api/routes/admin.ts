/** Administration: bring the projections in line with what Temporal actually runs. */
import { mountOperation, type OperationTarget } from '../operations';
import { EmptyBody, ReconcileResponse } from '../schemas';
import type { ApiServices } from '../services';

export function mountAdminRoutes(target: OperationTarget, { admin }: Pick<ApiServices, 'admin'>): void {
  mountOperation(target, {
    method: 'post',
    path: '/v1/admin/reconcile',
    operationId: 'reconcilePosts',
    tag: 'admin',
    summary: 'Close posts whose workflow is gone as lost',
    description:
      "Looks up every open post's workflow in Temporal (a bounded number at a time). A post whose workflow " +
      'no longer exists, or was terminated, timed out, failed or was cancelled there, is closed in the stage ' +
      "`lost` with the reason; variants the platforms' ledgers show as published are recorded as published. " +
      'Running it again changes nothing. The same pass runs when the API starts.',
    access: 'reconcilePosts',
    body: EmptyBody,
    success: { status: 200, description: 'What the pass found', schema: ReconcileResponse },
    handle: ({ user }) => admin.reconcile(user),
  });
}
