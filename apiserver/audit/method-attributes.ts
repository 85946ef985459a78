/**
 * What a call was about, read from its gRPC method alone: for calls that end before
 * the request gate has recorded their authorized attributes (refused at
 * authentication), the audit log still names the verb and the resource.
 * `/wheelhouse.core.v1.PodService/ListPods` → list pods.
 */
import { type KindInfo, kinds, pluralOf, serviceNameOf } from '../../sdk/kinds.js';

export interface MethodAttributes {
  readonly verb: string;
  readonly apiGroup: string;
  readonly resource: string;
  readonly subresource: string;
}

const byService = new Map<string, KindInfo>(kinds.map((info) => [serviceNameOf(info), info]));

/** The verb and subresource of each RPC of a kind's service (scripts/service-protos.ts names them). */
function verbsOf(info: KindInfo): Map<string, [verb: string, subresource: string]> {
  const k = info.kind;
  const plural = pluralOf(info);
  return new Map([
    [`Create${k}`, ['create', '']],
    [`Get${k}`, ['get', '']],
    [`List${plural}`, ['list', '']],
    [`Update${k}`, ['update', '']],
    [`Delete${k}`, ['delete', '']],
    [`Watch${plural}`, ['watch', '']],
    [`Update${k}Status`, ['update', 'status']],
    [`Get${k}Scale`, ['get', 'scale']],
    [`Update${k}Scale`, ['update', 'scale']],
    ['BindPod', ['create', 'binding']],
    ['BindPods', ['create', 'binding']],
    ['CreateEvents', ['create', '']],
    ['GetPodLogs', ['get', 'log']],
    ['ExecPod', ['create', 'exec']],
    ['EvictPod', ['create', 'eviction']],
    ['CreateServiceAccountToken', ['create', 'token']],
  ]);
}

const verbsByService = new Map([...byService].map(([name, info]) => [name, verbsOf(info)]));

/** The attributes a method stands for; empty verb and resource for methods outside the kind services. */
export function methodAttributes(method: string): MethodAttributes {
  const slash = method.lastIndexOf('/');
  const service = method.slice(1, slash);
  const rpc = method.slice(slash + 1);
  const info = byService.get(service);
  const [verb, subresource] = verbsByService.get(service)?.get(rpc) ?? ['', ''];
  return {
    verb,
    apiGroup: info?.apiGroup ?? '',
    resource: info?.resource ?? '',
    subresource,
  };
}
