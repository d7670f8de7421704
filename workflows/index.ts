/** The workflow bundle's entry: every workflow type the worker hosts. */
export { postLifecycle } from './postLifecycle';
export { brandPublishing } from './brandPublishing';
export { threadLifecycle } from './threadLifecycle';
export { scheduledReport } from './scheduledReport';
export { crisisMonitor } from './crisisMonitor';
export { campaign } from './campaign';
export { blueskyInbound } from './blueskyInbound';
