/**
 * How store errors travel. Unary calls and watches end with the gRPC status plus
 * trailers for the structured parts; Pipeline answers carry them in PipelineError.
 * Clients rebuild the same StoreError from either (see ../client-errors.ts).
 */
import { Metadata, status } from '@grpc/grpc-js';
import { ApiError } from '../../sdk/errors.js';
import { KeyValue, type PipelineError } from '../../sdk/gen/wheelhouse/store/v1/store.js';
import { StoreError } from '../types.js';
import { kvToProto } from './convert.js';

export const currentTrailer = 'wheelhouse-current-bin';
export const compactRevisionTrailer = 'wheelhouse-compact-revision';
export const resumeRevisionTrailer = 'wheelhouse-resume-revision';

/** A StoreError becomes an ApiError whose trailers carry its current kv or revisions; others pass through. */
export function toWireError(err: unknown): unknown {
  if (!(err instanceof StoreError)) return err;
  const trailers = new Metadata();
  if (err.current)
    trailers.set(currentTrailer, Buffer.from(KeyValue.encode(kvToProto(err.current)).finish()));
  if (err.compactRevision !== undefined) trailers.set(compactRevisionTrailer, String(err.compactRevision));
  if (err.resumeRevision !== undefined) trailers.set(resumeRevisionTrailer, String(err.resumeRevision));
  return new ApiError(err.code, err.message, {}, trailers);
}

/** The Pipeline form of an error; anything that is not an ApiError is internal and reported to `onInternal`. */
export function toPipelineError(err: unknown, onInternal: (err: unknown) => void): PipelineError {
  if (err instanceof StoreError) {
    return {
      code: err.code,
      message: err.message,
      current: err.current ? kvToProto(err.current) : undefined,
      compactRevision: String(err.compactRevision ?? 0),
    };
  }
  if (err instanceof ApiError) return { code: err.code, message: err.message, compactRevision: '0' };
  onInternal(err);
  return {
    code: status.INTERNAL,
    message: 'internal error; the store log has the details',
    compactRevision: '0',
  };
}
