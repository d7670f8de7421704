/**
 * The worker's wiring, shared by the worker process, the all-in-one `npm start` and the tests:
 * the post and brand publishing workflows and their activities on one task queue.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Duration } from '@temporalio/common';
import { Worker, type NativeConnection } from '@temporalio/worker';
import type { WorkerActivities } from '../activities';

/** The workflow code's entry module (source under ts-jest/tsx, compiled JavaScript under dist/). */
export const WORKFLOWS_PATH = require.resolve('../workflows');

/** Where `bundleWorkflows` writes the prebuilt bundle: `dist/workflow-bundle.js` in a build. */
export const PREBUILT_BUNDLE_PATH = path.resolve(__dirname, '..', 'workflow-bundle.js');

/** Either a bundle built ahead of time, or the workflow sources bundled when the worker starts. */
export type WorkflowSource = { bundlePath: string } | { workflowsPath: string };

export interface CreateWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: WorkerActivities;
  /** Defaults to the prebuilt bundle when one exists, else the workflow sources. */
  workflows?: WorkflowSource;
  /** How long in-flight activities may finish after shutdown is requested. */
  shutdownGraceTime?: Duration;
}

export function defaultWorkflowSource(): WorkflowSource {
  return fs.existsSync(PREBUILT_BUNDLE_PATH) ? { bundlePath: PREBUILT_BUNDLE_PATH } : { workflowsPath: WORKFLOWS_PATH };
}

export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const source = options.workflows ?? defaultWorkflowSource();
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    activities: options.activities,
    ...('bundlePath' in source
      ? { workflowBundle: { codePath: source.bundlePath } }
      : { workflowsPath: source.workflowsPath }),
    shutdownGraceTime: options.shutdownGraceTime ?? '10s',
  });
}
