export {
  BLUESKY_CONNECTOR,
  createBlueskyConnector,
  type BlueskyConnector,
  type BlueskyConnectorDeps,
} from './connector';
export { recordKeyFor } from './recordKey';
export { idOfUri, uriOfId } from './ids';
export { eventOfNotification } from './notifications';
