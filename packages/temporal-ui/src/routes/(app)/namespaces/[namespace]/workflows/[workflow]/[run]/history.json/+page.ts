import { redirect } from '@sveltejs/kit';

import { getEndpointForRawHistory } from '@temporalio/ui/services/events-service';

import type { PageLoad } from './$types';

/** The history download is served by the API: hand the browser over to it. */
export const load: PageLoad = async ({ parent, params }) => {
  await parent();
  redirect(302, getEndpointForRawHistory({ namespace: params.namespace, workflowId: params.workflow, runId: params.run }));
};
