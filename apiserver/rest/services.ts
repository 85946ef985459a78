/**
 * What the REST handlers get of the apiserver (RestServices): the registries and the
 * same request gate as the gRPC services, so that a REST call is authorized, and its
 * names checked, exactly as the gRPC call doing the same.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { AccessAuthorizer } from '../auth/authorization-modes.js';
import type { RuleResolver } from '../auth/rbac/rule-resolver.js';
import type { TokenIssuer } from '../auth/service-account/index.js';
import type { NodeStatsSource } from '../kinds/node/stats.js';
import type { PodExecTarget } from '../kinds/pod/exec.js';
import type { PodLogSource } from '../kinds/pod/logs.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import type { RequestGate } from '../services/request.js';
import type { RestServices } from './types.js';

export interface RestServicesOptions {
  readonly registries: ReadonlyMap<string, GenericRegistry<KindObject>>;
  readonly gate: RequestGate;
  readonly authorizer: AccessAuthorizer;
  readonly ruleResolver: RuleResolver;
  readonly tokenIssuer?: TokenIssuer;
  readonly podLogs?: PodLogSource;
  readonly podExec?: PodExecTarget;
  readonly nodeStats?: NodeStatsSource;
}

export function createRestServices(opts: RestServicesOptions): RestServices {
  const { gate, ...rest } = opts;
  return {
    ...rest,
    authorize: (req, access) =>
      gate.admitUser(
        req.user,
        {
          verb: access.verb,
          info: access.info,
          ...(access.subresource ? { subresource: access.subresource } : {}),
          namespace: access.namespace,
          name: access.name,
        },
        access.dryRun ?? false,
        req.record,
      ),
  };
}
