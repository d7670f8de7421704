import { fetchCluster, fetchSystemInfo } from '@temporalio/ui/services/cluster-service';
import { fetchNamespaces } from '@temporalio/ui/services/namespaces-service';
import { fetchSettings } from '@temporalio/ui/services/settings-service';
import { clearAuthUser } from '@temporalio/ui/stores/auth-user';

import '../../app.css';

import type { LayoutLoad } from './$types';

/** The offline server has no sign-in: settings, namespaces and the server's capabilities only. */
export const load: LayoutLoad = async ({ fetch }) => {
  const settings = await fetchSettings(fetch);
  clearAuthUser();
  void fetchNamespaces(settings, fetch);
  const [cluster, systemInfo] = await Promise.all([fetchCluster(settings, fetch), fetchSystemInfo(settings, fetch)]);
  return { user: {}, settings, cluster, systemInfo };
};
