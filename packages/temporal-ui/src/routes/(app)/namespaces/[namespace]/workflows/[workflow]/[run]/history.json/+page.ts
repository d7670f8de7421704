import { redirect } from '@sveltejs/kit';

import { routeForApi } from '@temporalio/ui/utilities/route-for-api';

import type { PageLoad } from './$types';

/**
 * The history download is served by the API: hand the browser over to it. The ids are encoded
 * here, once: the package's own encoder encodes twice while the page's settings are not loaded
 * yet, which is always the case when this page is opened directly (the "View raw history" link).
 */
export const load: PageLoad = async ({ parent, params }) => {
  await parent();
  const once = {
    namespace: encodeURIComponent(params.namespace),
    workflowId: encodeURIComponent(params.workflow),
    runId: encodeURIComponent(params.run),
  };
  redirect(302, routeForApi('events.raw', once, false));
};
