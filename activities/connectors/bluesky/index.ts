export { BLUESKY_CONNECTOR, createBlueskyConnector, type BlueskyConnectorDeps } from './connector';
export { recordKeyFor } from './recordKey';
