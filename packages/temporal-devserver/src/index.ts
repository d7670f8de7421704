/**
 * The offline Temporal server's public surface: start it in-process. Test environments on it come
 * from `@socialops/temporal-devserver/testing`, kept apart so that production code never loads
 * `@temporalio/testing`.
 */
export { startDevServer, type DevServer, type DevServerOptions } from './server';
export type { SearchAttributeType } from './visibility';
