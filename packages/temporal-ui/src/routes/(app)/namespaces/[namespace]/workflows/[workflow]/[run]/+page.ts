import { redirect } from '@sveltejs/kit';

import type { PageLoad } from './$types';

/** A run opens on its history. */
export const load: PageLoad = async ({ url }) => {
  redirect(302, `${url.pathname}/history`);
};
