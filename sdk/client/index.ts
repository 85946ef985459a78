export { ChannelPool } from './channel-pool.js';
export {
  CLIENT_VERSION,
  type Connection,
  type ConnectionOptions,
  connectionFor,
  endpointsOf,
} from './connection.js';
export {
  type ApiClient,
  type ApiClientOptions,
  CALL_TIMEOUT_MS,
  createApiClient,
  type ObjectList,
  type WatchEvent,
  WatchEventType,
} from './dynamic-client.js';
export {
  requestServiceAccountToken,
  type ServiceAccountToken,
  type TokenRequestOptions,
} from './service-account-token.js';
export {
  type Clientset,
  createClientset,
  type TypedClient,
  type TypedList,
  typedClient,
} from './typed-client.js';
