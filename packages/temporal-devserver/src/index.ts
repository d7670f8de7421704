/**
 * The offline Temporal server's public surface: start it in-process. Test environments on it come
 * from `@socialops/temporal-devserver/testing`, kept apart so that production code never loads
 * `@temporalio/testing`.
 */
export { startDevServer, type DevServer, type DevServerOptions, type DevServerUiOptions } from './server';
export { createUiHttpHandler, type UiHttpHandler, type UiHttpHandlerOptions } from './ui/gateway';
export { uiSettings, type UiSettings, type UiSettingsOverrides } from './ui/settings';
export type { SearchAttributeType } from './visibility';
