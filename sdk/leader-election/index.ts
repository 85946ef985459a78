export type { LeaderElectionRecord } from './election-record.js';
export { createGrpcLeaseClient } from './grpc-lease-client.js';
export {
  createLeaderElector,
  type ElectionLogger,
  type LeaderElector,
  type LeaderElectorOptions,
} from './leader-elector.js';
export type { LeaseCallOptions, LeaseClient, LeaseRef } from './lease-client.js';
export { createMemoryLeaseClient, type MemoryLeaseClient } from './memory-lease-client.js';
export {
  DEFAULT_LEASE_DURATION_MS,
  DEFAULT_RENEW_DEADLINE_MS,
  DEFAULT_RETRY_PERIOD_MS,
  type ElectionTimings,
  electionTimings,
  JITTER_FACTOR,
} from './timings.js';
