/**
 * The Kubernetes protobuf encoding of the request bodies kubectl sends to these
 * endpoints (reviews, TokenRequest, Eviction)
 * (`Content-Type: application/vnd.kubernetes.protobuf`): the 4 bytes `k8s\0`, then a
 * `runtime.Unknown` {typeMeta{apiVersion=1, kind=2}=1, raw=2, contentEncoding=3,
 * contentType=4} whose raw is the object in the field numbers of Kubernetes'
 * generated.proto. Only what a review needs is read, into the JSON shape the rest of the
 * handler reads; everything else is skipped.
 */
import { BinaryReader, WireType } from '@bufbuild/protobuf/wire';
import type { JsonObject } from '../../../sdk/manifest/index.js';
import { HttpError } from '../errors.js';

export const protobufMediaType = 'application/vnd.kubernetes.protobuf';
const magic = Buffer.from([0x6b, 0x38, 0x73, 0x00]);

/** The fields of one message: each field number's values, in order (repeated fields keep all). */
type Fields = Map<number, (string | Uint8Array | bigint)[]>;

function readFields(bytes: Uint8Array, strings: ReadonlySet<number>): Fields {
  const reader = new BinaryReader(bytes);
  const fields: Fields = new Map();
  while (reader.pos < reader.len) {
    const [no, wireType] = reader.tag();
    if (wireType === WireType.Varint) {
      fields.set(no, [...(fields.get(no) ?? []), BigInt(reader.int64())]);
      continue;
    }
    if (wireType !== WireType.LengthDelimited) {
      reader.skip(wireType, no);
      continue;
    }
    const value = strings.has(no) ? reader.string() : reader.bytes();
    fields.set(no, [...(fields.get(no) ?? []), value]);
  }
  return fields;
}

function str(fields: Fields, no: number): string {
  const v = fields.get(no)?.[0];
  return typeof v === 'string' ? v : '';
}

function int(fields: Fields, no: number): number | undefined {
  const v = fields.get(no)?.[0];
  return typeof v === 'bigint' ? Number(v) : undefined;
}

function msg(fields: Fields, no: number): Uint8Array | undefined {
  const v = fields.get(no)?.[0];
  return v instanceof Uint8Array ? v : undefined;
}

/** The object inside a `k8s\0` + runtime.Unknown envelope: its apiVersion, kind and raw bytes. */
export function unwrapUnknown(body: Uint8Array): { apiVersion: string; kind: string; raw: Uint8Array } {
  if (body.length < magic.length || !magic.equals(Buffer.from(body.subarray(0, magic.length)))) {
    throw HttpError.badRequest('the protobuf body does not start with the Kubernetes magic bytes "k8s\\0"');
  }
  try {
    const unknown = readFields(body.subarray(magic.length), new Set([3, 4]));
    const typeMeta = readFields(msg(unknown, 1) ?? new Uint8Array(), new Set([1, 2]));
    const encoding = str(unknown, 3);
    if (encoding !== '')
      throw HttpError.badRequest(`protobuf bodies with contentEncoding "${encoding}" are not supported`);
    return { apiVersion: str(typeMeta, 1), kind: str(typeMeta, 2), raw: msg(unknown, 2) ?? new Uint8Array() };
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw HttpError.badRequest(
      `the protobuf body cannot be decoded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/** authorization/v1 ResourceAttributes {namespace=1, verb=2, group=3, version=4, resource=5, subresource=6, name=7}. */
function resourceAttributes(bytes: Uint8Array): JsonObject {
  const f = readFields(bytes, new Set([1, 2, 3, 4, 5, 6, 7]));
  const names = ['namespace', 'verb', 'group', 'version', 'resource', 'subresource', 'name'];
  const out: JsonObject = {};
  names.forEach((name, i) => {
    const v = str(f, i + 1);
    if (v !== '') out[name] = v;
  });
  return out;
}

/** authorization/v1 NonResourceAttributes {path=1, verb=2}. */
function nonResourceAttributes(bytes: Uint8Array): JsonObject {
  const f = readFields(bytes, new Set([1, 2]));
  return { path: str(f, 1), verb: str(f, 2) };
}

/**
 * A review decoded from protobuf into its JSON shape: SelfSubjectAccessReview (spec
 * {resourceAttributes=1, nonResourceAttributes=2}), SelfSubjectRulesReview (spec
 * {namespace=1}) or SelfSubjectReview (no spec); the object is {metadata=1, spec=2}.
 */
export function decodeReview(body: Uint8Array): JsonObject {
  const { apiVersion, kind, raw } = unwrapUnknown(body);
  try {
    const object = readFields(raw, new Set());
    const spec = msg(object, 2);
    const out: JsonObject = { apiVersion, kind };
    if (kind === 'SelfSubjectAccessReview') {
      const s = readFields(spec ?? new Uint8Array(), new Set());
      const resource = msg(s, 1);
      const nonResource = msg(s, 2);
      out.spec = {
        ...(resource ? { resourceAttributes: resourceAttributes(resource) } : {}),
        ...(nonResource ? { nonResourceAttributes: nonResourceAttributes(nonResource) } : {}),
      };
    } else if (kind === 'SelfSubjectRulesReview') {
      const s = readFields(spec ?? new Uint8Array(), new Set([1]));
      out.spec = { namespace: str(s, 1) };
    } else if (kind === 'TokenRequest') {
      // authentication/v1 TokenRequestSpec {audiences=1, boundObjectRef=3, expirationSeconds=4}.
      const s = readFields(spec ?? new Uint8Array(), new Set([1]));
      const expirationSeconds = int(s, 4);
      out.spec = {
        audiences: (s.get(1) ?? []).filter((a): a is string => typeof a === 'string'),
        ...(expirationSeconds !== undefined ? { expirationSeconds } : {}),
      };
    } else if (kind === 'Eviction') {
      // policy/v1 Eviction {metadata=1, deleteOptions=2}; ObjectMeta {name=1, namespace=3}.
      const meta = readFields(msg(object, 1) ?? new Uint8Array(), new Set([1, 3]));
      out.metadata = { name: str(meta, 1), namespace: str(meta, 3) };
      const options = msg(object, 2);
      if (options) out.deleteOptions = deleteOptions(options);
    } else if (kind !== 'SelfSubjectReview') {
      throw HttpError.unsupportedMediaType(
        `${kind || 'this object'} is not accepted as protobuf here: send it as application/json`,
      );
    }
    return out;
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw HttpError.badRequest(
      `the protobuf ${kind} cannot be decoded: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
}

/**
 * meta/v1 DeleteOptions {gracePeriodSeconds=1, preconditions=2 {uid=1, resourceVersion=2},
 * orphanDependents=3, propagationPolicy=4, dryRun=5}.
 */
function deleteOptions(bytes: Uint8Array): JsonObject {
  const f = readFields(bytes, new Set([4, 5]));
  const out: JsonObject = {};
  const grace = int(f, 1);
  if (grace !== undefined) out.gracePeriodSeconds = grace;
  const pre = msg(f, 2);
  if (pre) {
    const p = readFields(pre, new Set([1, 2]));
    out.preconditions = {
      ...(str(p, 1) ? { uid: str(p, 1) } : {}),
      ...(str(p, 2) ? { resourceVersion: str(p, 2) } : {}),
    };
  }
  const orphan = int(f, 3);
  if (orphan !== undefined && str(f, 4) === '') out.propagationPolicy = orphan ? 'Orphan' : 'Background';
  if (str(f, 4) !== '') out.propagationPolicy = str(f, 4);
  const dryRun = (f.get(5) ?? []).filter((d): d is string => typeof d === 'string');
  if (dryRun.length > 0) out.dryRun = dryRun;
  return out;
}
