/** The LeaseClient of a leader election through the apiserver's LeaseService. */
import { type CallOptions, Metadata, type ServiceError, status } from '@grpc/grpc-js';
import { ApiError, fromServiceError } from '../errors.js';
import type { Lease } from '../gen/wheelhouse/coordination/v1/lease.js';
import {
  CreateLeaseRequest,
  GetLeaseRequest,
  type LeaseServiceClient,
  UpdateLeaseRequest,
} from '../gen/wheelhouse/coordination/v1/lease_service.js';
import type { LeaseCallOptions, LeaseClient, LeaseRef } from './lease-client.js';

type Callback<Res> = (err: ServiceError | null, res: Res) => void;

/**
 * Adapts a generated `LeaseServiceClient`. Every call carries a gRPC deadline of
 * `options.timeoutMs`; failures are `ApiError`s with the call's code. The client's
 * channel is the caller's: it is not closed here.
 */
export function createGrpcLeaseClient(client: LeaseServiceClient): LeaseClient {
  const unary = <Res>(
    options: LeaseCallOptions,
    invoke: (metadata: Metadata, callOptions: Partial<CallOptions>, cb: Callback<Res>) => void,
  ): Promise<Res> =>
    new Promise((resolve, reject) => {
      const deadline = new Date(Date.now() + Math.max(0, options.timeoutMs));
      invoke(new Metadata(), { deadline }, (err, res) =>
        err ? reject(fromServiceError(err)) : resolve(res),
      );
    });
  const stored = (lease: Lease | undefined, method: string): Lease => {
    if (!lease) throw ApiError.internal(`${method} answered without a Lease`);
    return lease;
  };
  return {
    async get(ref: LeaseRef, options: LeaseCallOptions): Promise<Lease | undefined> {
      // An empty resourceVersion asks for a consistent read: a candidate must not decide on a stale record.
      const request = GetLeaseRequest.fromPartial({ namespace: ref.namespace, name: ref.name });
      try {
        const res = await unary<{ lease?: Lease }>(options, (md, opts, cb) =>
          client.getLease(request, md, opts, cb),
        );
        return stored(res.lease, 'GetLease');
      } catch (err) {
        if (err instanceof ApiError && err.code === status.NOT_FOUND) return undefined;
        throw err;
      }
    },
    async create(lease: Lease, options: LeaseCallOptions): Promise<Lease> {
      const request = CreateLeaseRequest.fromPartial({ lease });
      const res = await unary<{ lease?: Lease }>(options, (md, opts, cb) =>
        client.createLease(request, md, opts, cb),
      );
      return stored(res.lease, 'CreateLease');
    },
    async update(lease: Lease, options: LeaseCallOptions): Promise<Lease> {
      const request = UpdateLeaseRequest.fromPartial({ lease });
      const res = await unary<{ lease?: Lease }>(options, (md, opts, cb) =>
        client.updateLease(request, md, opts, cb),
      );
      return stored(res.lease, 'UpdateLease');
    },
  };
}
