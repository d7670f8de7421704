/** Sections of Temporal UI that the offline server has nothing behind. */
export const notOffline = {
  'batch-operations': 'Batch operations',
  'worker-deployments': 'Worker deployments',
  archival: 'Archival',
  nexus: 'Nexus endpoints',
  'task-queues': 'Task queue pages',
} as const;
