import { redirect } from '@sveltejs/kit';

import { routeForEventHistory } from '@temporalio/ui/utilities/route-for';

import type { PageLoad } from './$types';

/** Older links to the history's views land on the history page, which has all of them. */
export const load: PageLoad = async ({ params }) => {
  redirect(302, routeForEventHistory({ namespace: params.namespace, workflow: params.workflow, run: params.run }));
};
