// Container health probe: `node deploy/healthcheck.js api|worker`, exit 0 when healthy.
// It reads the same configuration as the processes it probes, so ports and queues never drift.
'use strict';
const os = require('node:os');
const { loadConfig } = require('../dist/config/index.js');

const TIMEOUT_MS = 4000;

async function probeApi(config) {
  // A wildcard bind address is reachable on loopback from inside the container.
  const host = ['0.0.0.0', '::', '[::]'].includes(config.host) ? '127.0.0.1' : config.host;
  const authority = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  const response = await fetch(`http://${authority}:${config.port}/healthz`, {
    signal: AbortSignal.timeout(TIMEOUT_MS),
  });
  if (!response.ok) throw new Error(`/healthz answered ${response.status}`);
}

/**
 * The worker serves no HTTP, so health means "this container's worker is polling its task
 * queue": the SDK's default worker identity is `<pid>@<hostname>`, and a container's hostname is
 * its own.
 */
async function probeWorker(config) {
  if (config.temporalAddress === undefined) throw new Error('TEMPORAL_ADDRESS is not set');
  const { Connection } = require('@temporalio/client');
  const { temporal } = require('@temporalio/proto');
  const connection = await Connection.connect({ address: config.temporalAddress, connectTimeout: TIMEOUT_MS });
  try {
    const description = await connection.workflowService.describeTaskQueue({
      namespace: config.temporalNamespace,
      taskQueue: { name: config.temporalTaskQueue, kind: temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const suffix = `@${os.hostname()}`;
    const polling = (description.pollers ?? []).some((poller) => (poller.identity ?? '').endsWith(suffix));
    if (!polling) throw new Error(`no worker from ${os.hostname()} polls task queue ${config.temporalTaskQueue}`);
  } finally {
    await connection.close();
  }
}

const probes = { api: probeApi, worker: probeWorker };
const role = process.argv[2];
const probe = probes[role];
if (probe === undefined) {
  console.error(`usage: node deploy/healthcheck.js ${Object.keys(probes).join('|')}`);
  process.exit(2);
}
probe(loadConfig()).then(
  () => process.exit(0),
  (error) => {
    console.error(`${role} unhealthy: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
