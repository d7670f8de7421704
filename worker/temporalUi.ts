/**
 * Where `npm start` serves Temporal UI beside the offline Temporal server: the port (the
 * frontend's + 1000, as Temporal's CLI, unless TEMPORAL_UI_PORT says otherwise) and the built UI
 * of `@socialops/temporal-ui` when that package is installed and built. Without the build the
 * UI's HTTP API still answers and its page says that the UI is not built.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';

/** The offline server's `ui` options, as worker/allInOne.ts passes them on. */
export interface TemporalUiOptions {
  port: number;
  host: string;
  assetsDir?: string;
  settings: { DefaultNamespace: string; Version?: string };
}

const UI_PACKAGE = '@socialops/temporal-ui';

/** The built UI and the @temporalio/ui release it bundles, when they are there. */
export function findBuiltUi(): { assetsDir: string; version?: string } | undefined {
  let packageDir: string;
  try {
    packageDir = path.dirname(require.resolve(`${UI_PACKAGE}/package.json`));
  } catch {
    return undefined;
  }
  const assetsDir = path.join(packageDir, 'build');
  if (!existsSync(path.join(assetsDir, 'index.html'))) return undefined;
  try {
    // The build records the @temporalio/ui release it bundles (that package exports no package.json).
    const info = JSON.parse(readFileSync(path.join(assetsDir, 'build-info.json'), 'utf8')) as Record<string, unknown>;
    const version = info['@temporalio/ui'];
    return typeof version === 'string' ? { assetsDir, version } : { assetsDir };
  } catch {
    return { assetsDir };
  }
}

/** The offline server's UI options for a frontend on `frontendPort` (undefined: a free port). */
export function temporalUiOptions(config: Config, frontendPort: number | undefined): TemporalUiOptions | undefined {
  if (config.temporalUiPort === 'off') return undefined;
  const built = findBuiltUi();
  const port =
    config.temporalUiPort ?? (frontendPort !== undefined && frontendPort + 1000 <= 65535 ? frontendPort + 1000 : 0);
  return {
    port,
    host: '127.0.0.1',
    ...(built ? { assetsDir: built.assetsDir } : {}),
    settings: {
      DefaultNamespace: config.temporalNamespace,
      ...(built?.version ? { Version: built.version } : {}),
    },
  };
}
