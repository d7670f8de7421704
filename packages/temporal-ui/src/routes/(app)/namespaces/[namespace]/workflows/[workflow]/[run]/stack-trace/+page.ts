import { redirect } from '@sveltejs/kit';

import { routeForCallStack } from '@temporalio/ui/utilities/route-for';

import type { PageLoad } from './$types';

export const load: PageLoad = async ({ params }) => {
  redirect(302, routeForCallStack({ namespace: params.namespace, workflow: params.workflow, run: params.run }));
};
