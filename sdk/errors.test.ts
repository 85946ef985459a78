import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  ApiError,
  boundStatus,
  Code,
  fromServiceError,
  maxStatusCauses,
  maxStatusMessageBytes,
  maxStatusMessageEncodedBytes,
  maxStatusTrailerBytes,
  statusTrailer,
  toServiceError,
} from './errors.js';
import { Status, type StatusCause } from './gen/wheelhouse/meta/v1/meta.js';

/** What a client receives from a status that left through toServiceError. */
function received(err: unknown): { raw: Buffer; status: Status; details: string; client: ApiError } {
  const st = toServiceError(err);
  const raw = st.metadata?.get(statusTrailer)[0];
  assert.ok(raw instanceof Buffer, 'the status trailer is set');
  const serviceError = Object.assign(new Error(st.details), {
    code: st.code,
    details: st.details,
    metadata: st.metadata ?? new Metadata(),
  }) as ServiceError;
  return { raw, status: Status.decode(raw), details: st.details, client: fromServiceError(serviceError) };
}

function assertFits(details: string, raw: Buffer): void {
  assert.ok(
    Buffer.byteLength(details) <= maxStatusMessageBytes,
    `message of ${Buffer.byteLength(details)} bytes`,
  );
  assert.ok(encodeURI(details).length <= maxStatusMessageEncodedBytes, 'grpc-message once encoded');
  assert.ok(raw.length <= maxStatusTrailerBytes, `trailer of ${raw.length} bytes`);
  // What the client's header block carries: the message encoded, the trailer in base64.
  assert.ok(encodeURI(details).length + raw.toString('base64').length < 7 * 1024);
}

describe('toServiceError bounds what it sends', () => {
  it('leaves an ordinary error as it is', () => {
    const err = ApiError.invalid(
      'Pod "web" is invalid: spec.containers[0].image: Required value',
      [{ reason: 'FieldValueRequired', message: 'Required value', field: 'spec.containers[0].image' }],
      { name: 'web', kind: 'Pod', group: '' },
    );
    const { details, status, client } = received(err);
    assert.equal(details, err.message);
    assert.equal(status.message, err.message);
    assert.deepEqual(status.details?.causes, err.causes);
    assert.equal(client.code, Code.INVALID_ARGUMENT);
    assert.equal(client.message, err.message);
    assert.equal(client.statusDetails.name, 'web');
  });

  it('cuts a message that echoes 40,000 characters, keeping its start', () => {
    const name = 'a'.repeat(40_000);
    const err = ApiError.notFound(`pods "${name}" not found`, { name, kind: 'Pod', group: '' });
    const { raw, details, status, client } = received(err);
    assertFits(details, raw);
    assert.match(details, /^pods "aaaa+\.\.\.\(truncated\)$/);
    assert.equal(status.message, details);
    assert.ok((status.details?.name.length ?? 0) <= 256);
    assert.equal(client.code, Code.NOT_FOUND);
    assert.equal(client.message, details);
  });

  it('keeps at most maxStatusCauses causes and sums up the rest', () => {
    const causes: StatusCause[] = Array.from({ length: 2000 }, (_, i) => ({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "x${i}": bad`,
      field: `metadata.labels[k${i}]`,
    }));
    const { raw, details, status, client } = received(ApiError.invalid('Pod "x" is invalid', causes));
    assertFits(details, raw);
    const sent = status.details?.causes ?? [];
    assert.equal(sent.length, maxStatusCauses + 1);
    assert.deepEqual(sent.slice(0, maxStatusCauses), causes.slice(0, maxStatusCauses));
    assert.deepEqual(sent.at(-1), {
      reason: '',
      message: `and ${2000 - maxStatusCauses} more errors`,
      field: '',
    });
    assert.equal(client.causes.length, maxStatusCauses + 1);
  });

  it('keeps the trailer within its byte budget when each cause is large', () => {
    const causes: StatusCause[] = Array.from({ length: 10 }, (_, i) => ({
      reason: 'FieldValueInvalid',
      message: `Invalid value: "${'v'.repeat(32 * 1024)}": must be no more than 63 characters`,
      field: `metadata.labels[${'k'.repeat(1 << 20)}${i}]`,
    }));
    const { raw, details, status } = received(
      ApiError.invalid(`Pod "x" is invalid: ${'m'.repeat(1 << 20)}`, causes),
    );
    assertFits(details, raw);
    const sent = status.details?.causes ?? [];
    const summary = sent.at(-1);
    const listed = sent.length - 1;
    assert.ok(listed >= 1 && listed < 10, `${listed} causes listed`);
    assert.equal(summary?.message, `and ${10 - listed} more ${10 - listed === 1 ? 'error' : 'errors'}`);
    for (const c of sent.slice(0, -1)) {
      assert.ok(Buffer.byteLength(c.message) <= 512);
      assert.ok(Buffer.byteLength(c.field) <= 256);
    }
  });

  it('bounds multi-byte text by its bytes and by its percent-encoded size', () => {
    const { raw, details } = received(ApiError.invalid(`名前 "${'名'.repeat(20_000)}" is invalid`));
    assertFits(details, raw);
    const spaces = received(ApiError.invalid(' '.repeat(20_000)));
    assertFits(spaces.details, spaces.raw);
  });

  it('bounds the status of an error passed on from another server', () => {
    const metadata = new Metadata();
    const big = Status.fromPartial({
      code: Code.INVALID_ARGUMENT,
      message: 'x'.repeat(100_000),
      details: { causes: Array.from({ length: 100 }, () => ({ message: 'y'.repeat(1000) })) },
    });
    metadata.set(statusTrailer, Buffer.from(Status.encode(big).finish()));
    const err = Object.assign(new Error('z'), {
      code: Code.INVALID_ARGUMENT,
      details: 'z'.repeat(100_000),
      metadata,
    });
    const st = toServiceError(err);
    const raw = st.metadata?.get(statusTrailer)[0];
    assert.ok(raw instanceof Buffer);
    assertFits(st.details, raw);
  });

  it('boundStatus keeps a Status without details as it is', () => {
    const st = Status.fromPartial({
      code: Code.NOT_FOUND,
      reason: 'NotFound',
      message: 'pods "x" not found',
    });
    assert.deepEqual(boundStatus(st), { code: st.code, reason: st.reason, message: st.message });
  });
});
