import { fetchSearchAttributesForNamespace } from '@temporalio/ui/services/search-attributes-service';
import { allSearchAttributes } from '@temporalio/ui/stores/search-attributes';

import type { LayoutLoad } from './$types';

/** The namespace's search attributes (socialops registers its own) feed the list's filters. */
export const load: LayoutLoad = async ({ params, parent, fetch }) => {
  await parent();
  allSearchAttributes.set(await fetchSearchAttributesForNamespace(params.namespace, fetch));
};
