/** Rebuilds StoreErrors on the client side, from Pipeline answers and from unary or watch statuses. */
import type { ServiceError } from '@grpc/grpc-js';
import { ApiError, fromServiceError } from '../sdk/errors.js';
import { KeyValue, type PipelineError } from '../sdk/gen/wheelhouse/store/v1/store.js';
import { kvFromProto } from './server/convert.js';
import { compactRevisionTrailer, currentTrailer, resumeRevisionTrailer } from './server/wire-errors.js';
import { reasonOfCode, StoreError } from './types.js';

export function fromPipelineError(err: PipelineError): ApiError {
  const reason = reasonOfCode(err.code);
  if (!reason) return new ApiError(err.code, err.message);
  const storeError = new StoreError(reason, err.message);
  if (err.current) storeError.current = kvFromProto(err.current);
  if (reason === 'Compacted') storeError.compactRevision = Number(err.compactRevision);
  return storeError;
}

/** A failed call's status as a StoreError when it is one of the store's reasons, else as an ApiError. */
export function fromCallError(err: unknown): ApiError {
  const api = fromServiceError(err);
  const reason = reasonOfCode(api.code);
  if (!reason) return api;
  const storeError = new StoreError(reason, api.message);
  const trailers = (err as Partial<ServiceError>).metadata;
  const current = trailers?.get(currentTrailer)[0];
  if (current instanceof Buffer) storeError.current = kvFromProto(KeyValue.decode(current));
  const compacted = trailers?.get(compactRevisionTrailer)[0];
  if (compacted !== undefined) storeError.compactRevision = Number(compacted);
  const resume = trailers?.get(resumeRevisionTrailer)[0];
  if (resume !== undefined) storeError.resumeRevision = Number(resume);
  return storeError;
}
