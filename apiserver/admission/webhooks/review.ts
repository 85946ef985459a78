/**
 * One call of one webhook: the AdmissionRequest built from the admission attributes,
 * the Review RPC with the webhook's deadline, and the response checked and turned
 * into a verdict. Anything that keeps the webhook from giving a usable answer
 * (unreachable, too slow, a malformed response) is a WebhookCallError, which the
 * caller weighs against the webhook's failurePolicy; a denial is a verdict.
 */
import { randomUUID } from 'node:crypto';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import { Code } from '../../../sdk/errors.js';
import type { Any } from '../../../sdk/gen/google/protobuf/any.js';
import {
  Operation,
  type AdmissionRequest as ReviewedRequest,
} from '../../../sdk/gen/wheelhouse/admission/v1/admission.js';
import type { ReviewResponse } from '../../../sdk/gen/wheelhouse/admission/v1/admission_service.js';
import type { WebhookClientConfig } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';
import { type KindObject, typesOf } from '../../../sdk/kind-registry.js';
import { type KindInfo, protoTypeOf } from '../../../sdk/kinds.js';
import type { AdmissionAttributes } from '../types.js';
import type { WebhookClientPool } from './client-pool.js';
import { JsonPatchError, type JsonPatchOperation, parseJsonPatch } from './json-patch.js';

/** What a call needs to know of a webhook, mutating or validating. */
export interface WebhookCallee {
  readonly name: string;
  readonly clientConfig?: WebhookClientConfig | undefined;
  readonly timeoutSeconds?: number | undefined;
}

export type Verdict =
  | {
      readonly allowed: true;
      /** Mutating webhooks only: at most one of patch and object. */
      readonly patch?: JsonPatchOperation[];
      readonly object?: KindObject;
      readonly warnings: readonly string[];
    }
  | { readonly allowed: false; readonly code: Code; readonly message: string };

/** The webhook could not be asked, or did not answer usably. */
export class WebhookCallError extends Error {
  override readonly name = 'WebhookCallError';
  constructor(
    readonly code: Code,
    message: string,
  ) {
    super(message);
  }
}

export const defaultTimeoutSeconds = 10;

const operations: Readonly<Record<AdmissionAttributes['operation'], Operation>> = {
  CREATE: Operation.OPERATION_CREATE,
  UPDATE: Operation.OPERATION_UPDATE,
  DELETE: Operation.OPERATION_DELETE,
  CONNECT: Operation.OPERATION_CONNECT,
};

export function typeUrlOf(info: KindInfo): string {
  return `type.googleapis.com/${protoTypeOf(info)}`;
}

function toAny(info: KindInfo, obj: KindObject): Any {
  return { typeUrl: typeUrlOf(info), value: Buffer.from(typesOf(info).message.encode(obj).finish()) };
}

export function reviewRequest(attrs: AdmissionAttributes, uid: string): ReviewedRequest {
  const { info } = attrs;
  return {
    uid,
    kind: { group: info.apiGroup, version: 'v1', kind: info.kind },
    resource: { group: info.apiGroup, version: 'v1', resource: info.resource },
    subResource: attrs.subresource,
    name: attrs.name,
    namespace: attrs.namespace,
    operation: operations[attrs.operation],
    userInfo: { username: attrs.ctx.user, uid: '', groups: [...attrs.ctx.groups], extra: {} },
    ...(attrs.object && attrs.operation !== 'DELETE' ? { object: toAny(info, attrs.object) } : {}),
    ...(attrs.oldObject ? { oldObject: toAny(info, attrs.oldObject) } : {}),
    dryRun: attrs.ctx.dryRun,
  };
}

/** Asks one webhook about one request. */
export async function callWebhook(
  pool: WebhookClientPool,
  hook: WebhookCallee,
  attrs: AdmissionAttributes,
  mutating: boolean,
): Promise<Verdict> {
  const timeoutSeconds = hook.timeoutSeconds ?? defaultTimeoutSeconds;
  let leased: ReturnType<WebhookClientPool['lease']>;
  try {
    leased = pool.lease(hook.clientConfig ?? { caBundle: Buffer.alloc(0) });
  } catch (err) {
    throw new WebhookCallError(Code.INTERNAL, (err as Error).message);
  }
  const uid = randomUUID();
  let response: ReviewResponse;
  try {
    response = await new Promise<ReviewResponse>((resolve, reject) => {
      leased.client.review(
        { request: reviewRequest(attrs, uid) },
        new Metadata(),
        { deadline: Date.now() + timeoutSeconds * 1000 },
        (err: ServiceError | null, res: ReviewResponse) => (err ? reject(err) : resolve(res)),
      );
    });
  } catch (err) {
    throw callFailure(err as ServiceError, timeoutSeconds);
  } finally {
    leased.release();
  }
  return verdictOf(response, uid, attrs.info, mutating);
}

function callFailure(err: ServiceError, timeoutSeconds: number): WebhookCallError {
  if (err.code === Code.DEADLINE_EXCEEDED) {
    return new WebhookCallError(Code.DEADLINE_EXCEEDED, `no answer within the timeout of ${timeoutSeconds}s`);
  }
  if (err.code === Code.UNAVAILABLE) {
    return new WebhookCallError(Code.UNAVAILABLE, `the webhook server is unreachable: ${err.details}`);
  }
  return new WebhookCallError(Code.INTERNAL, `the webhook server answered ${Code[err.code]}: ${err.details}`);
}

/** Checks a response against the request and what this kind of webhook may answer. */
export function verdictOf(res: ReviewResponse, uid: string, info: KindInfo, mutating: boolean): Verdict {
  const r = res.response;
  const bad = (why: string) => new WebhookCallError(Code.INTERNAL, `invalid response: ${why}`);
  if (!r) throw bad('no response');
  if (r.uid !== uid) throw bad(`response.uid is "${r.uid}", expected the request's uid "${uid}"`);
  if (!r.allowed) {
    const code = r.result?.code ?? 0;
    return {
      allowed: false,
      code: code > Code.OK && code <= Code.UNAUTHENTICATED ? code : Code.PERMISSION_DENIED,
      message: r.result?.message ?? '',
    };
  }
  const hasPatch = r.patch.length > 0;
  if (!mutating && (hasPatch || r.object)) throw bad('a validating webhook may not change the object');
  if (hasPatch && r.object) throw bad('both patch and object are set; send one of them');
  const warnings = r.warnings;
  if (hasPatch) {
    if (r.patchType !== 'JSONPatch') {
      throw bad(`patchType is "${r.patchType}"; JSONPatch is the only supported patch type`);
    }
    try {
      return { allowed: true, patch: parseJsonPatch(Buffer.from(r.patch).toString('utf8')), warnings };
    } catch (err) {
      if (err instanceof JsonPatchError) throw bad(err.message);
      throw err;
    }
  }
  if (r.object) {
    if (r.object.typeUrl !== typeUrlOf(info)) {
      throw bad(
        `response.object is a ${r.object.typeUrl || 'message without type URL'}, expected ${typeUrlOf(info)}`,
      );
    }
    try {
      return { allowed: true, object: typesOf(info).message.decode(r.object.value), warnings };
    } catch (err) {
      throw bad(`response.object does not decode as ${protoTypeOf(info)}: ${(err as Error).message}`);
    }
  }
  return { allowed: true, warnings };
}
