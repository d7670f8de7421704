/**
 * Test environments on the offline server. Each call starts its own server process through the
 * SDK's `existing-path` contract, exactly as the SDK would start Temporal's own test server.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { SEARCH_ATTRIBUTE_TYPES, type SearchAttributeType } from './searchAttributes';

/** bin/ of the project this module belongs to, whether it runs from the sources or from dist/. */
function projectRoot(): string {
  let dir = __dirname;
  while (!fs.existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
  return dir;
}

export const DEVSERVER_EXECUTABLE = path.join(projectRoot(), 'bin', 'temporal-devserver');

export interface TestEnvironmentOptions {
  /** Virtual time that jumps to the next timer when nothing is running (default true). */
  timeSkipping?: boolean;
  searchAttributes?: Record<string, SearchAttributeType>;
  /** Keep the server's state in Postgres (`--persist`) instead of memory. */
  persist?: { url: string; schema?: string };
}

export async function createTestEnvironment(options: TestEnvironmentOptions = {}): Promise<TestWorkflowEnvironment> {
  const executable = { type: 'existing-path' as const, path: DEVSERVER_EXECUTABLE };
  const extraArgs = options.persist
    ? [
        '--persist',
        options.persist.url,
        ...(options.persist.schema ? ['--persist-schema', options.persist.schema] : []),
      ]
    : [];
  const env = await startWithRetries(() =>
    options.timeSkipping === false
      ? TestWorkflowEnvironment.createLocal({ server: { executable, extraArgs } })
      : TestWorkflowEnvironment.createTimeSkipping({ server: { executable, extraArgs } }),
  );
  const searchAttributes = Object.entries(options.searchAttributes ?? {});
  if (searchAttributes.length) {
    await env.connection.operatorService.addSearchAttributes({
      namespace: env.namespace ?? 'default',
      searchAttributes: Object.fromEntries(searchAttributes.map(([name, type]) => [name, indexedValueType(type)])),
    });
  }
  return env;
}

/**
 * Starts an environment, again when the server missed the SDK's start-up limit: the SDK gives a
 * server process 5 s to answer (a fixed limit), which a machine busy with other test processes
 * can exceed; the SDK has killed that process. Any other failure is thrown at once.
 */
export async function startWithRetries<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (err) {
      if (attempt >= attempts || !/did not start within/.test(err instanceof Error ? err.message : String(err)))
        throw err;
    }
  }
}

function indexedValueType(type: SearchAttributeType): number {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { temporal } = require('@temporalio/proto') as typeof import('@temporalio/proto');
  return temporal.api.enums.v1.IndexedValueType[
    SEARCH_ATTRIBUTE_TYPES[type] as keyof typeof temporal.api.enums.v1.IndexedValueType
  ];
}
