/**
 * `--authorization-mode`: a comma-separated list of authorizers asked in order, as
 * kube-apiserver has it. The first that allows decides; an authorizer that does not
 * allow has no opinion and the next one is asked; when none allows, the request is
 * denied with the first reason given.
 *
 *   Node          kubelets, limited to their own node's objects (node/node-authorizer.ts)
 *   RBAC          Role/ClusterRole bindings through Casbin (rbac/)
 *   AlwaysAllow   everything (tests and local experiments only)
 */

import { ApiError, Code } from '../../sdk/errors.js';
import type { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { Logger } from '../../sdk/logger.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { alwaysAllow } from './always-allow.js';
import { NodeAuthorizer, type PodLookup } from './node/node-authorizer.js';
import { NodeGraph } from './node/node-graph.js';
import { followCache } from './rbac/follow-cache.js';
import { RbacAuthorizer } from './rbac/rbac-authorizer.js';
import { RbacPolicy } from './rbac/rbac-policy.js';
import { syncPolicy } from './rbac/sync-policy.js';
import type { Authorizer, Decision, RequestAttributes, UserInfo } from './types.js';

export const authorizationModes = ['Node', 'RBAC', 'AlwaysAllow'] as const;
export const defaultAuthorizationModes = ['Node', 'RBAC'];

/** An authorizer that can also answer for non-resource endpoints (access reviews ask both). */
export interface AccessAuthorizer extends Authorizer {
  authorizeNonResource(user: UserInfo, verb: string, path: string): Decision;
}

export interface AuthorizationDeps {
  registries: ReadonlyMap<string, GenericRegistry<KindObject>>;
  logger: Logger;
  /** Ends the watches that keep the authorizers current. */
  signal: AbortSignal;
}

/** Parses `Node,RBAC`; throws on an unknown or repeated mode. */
export function parseAuthorizationModes(text: string): string[] {
  const modes = text
    .split(',')
    .map((m) => m.trim())
    .filter((m) => m !== '');
  if (modes.length === 0) throw new Error('--authorization-mode must name at least one mode');
  for (const m of modes) {
    if (!(authorizationModes as readonly string[]).includes(m)) {
      throw new Error(`unknown --authorization-mode "${m}": use a list of ${authorizationModes.join(', ')}`);
    }
  }
  if (new Set(modes).size !== modes.length) throw new Error(`--authorization-mode "${text}" repeats a mode`);
  return modes;
}

/** One authorizer as it is; non-resource requests go to it with an empty resource. */
export function fixedAuthorizer(authorizer: Authorizer): AccessAuthorizer {
  return {
    authorize: (attrs) => authorizer.authorize(attrs),
    authorizeNonResource(user, verb) {
      const decision = authorizer.authorize({
        user,
        verb,
        apiGroup: '',
        resource: '',
        subresource: '',
        namespace: '',
        name: '',
      });
      // Access reviews of non-resource paths are only answered by synchronous authorizers.
      return decision instanceof Promise ? { allowed: false, reason: 'not decided' } : decision;
    },
  };
}

/** Builds the authorizers of `modes` and resolves once each holds the cluster's current state. */
export async function createAuthorizer(
  modes: readonly string[],
  deps: AuthorizationDeps,
): Promise<AccessAuthorizer> {
  const chain: Authorizer[] = [];
  let rbac: RbacAuthorizer | undefined;
  let everything = false;
  for (const mode of modes) {
    if (mode === 'Node') {
      const graph = new NodeGraph();
      const registry = deps.registries.get('Pod') as GenericRegistry<Pod> | undefined;
      const pods = registry?.cache;
      if (!registry || !pods) throw new Error('the node authorizer needs the pods watch cache');
      await followCache(
        pods,
        'pods',
        { set: (p) => graph.setPod(p), remove: (p) => graph.deletePod(p) },
        deps.signal,
        deps.logger,
      );
      chain.push(new NodeAuthorizer(graph, podLookup(registry)));
    } else if (mode === 'RBAC') {
      const policy = new RbacPolicy();
      await syncPolicy(policy, deps.registries, deps.signal, deps.logger);
      rbac = new RbacAuthorizer(policy);
      deps.logger.info(policy.stats(), 'RBAC policy loaded');
      chain.push(rbac);
    } else if (mode === 'AlwaysAllow') {
      everything = true;
      chain.push(alwaysAllow);
    }
  }
  return {
    authorize(attrs: RequestAttributes): Decision | Promise<Decision> {
      // The built-in authorizers decide synchronously: only an authorizer that answers
      // with a promise is awaited, so the usual call takes no extra microtask turns.
      let reason = '';
      for (let i = 0; i < chain.length; i++) {
        const decision = chain[i]!.authorize(attrs);
        if (decision instanceof Promise) return finishAsync(chain, i, decision, attrs, reason);
        if (decision.allowed) return decision;
        if (reason === '') reason = decision.reason;
      }
      return { allowed: false, reason };
    },
    authorizeNonResource(user, verb, path) {
      if (everything) return { allowed: true, reason: 'authorization mode AlwaysAllow' };
      return rbac?.authorizeNonResource(user, verb, path) ?? { allowed: false, reason: '' };
    },
  };
}

/** A consistent read of one pod, for what the node authorizer's graph does not know yet. */
function podLookup(registry: GenericRegistry<Pod>): PodLookup {
  return (namespace, name) =>
    registry.get(namespace, name).then(
      (pod) => pod,
      (err: unknown) => {
        if (err instanceof ApiError && err.code === Code.NOT_FOUND) return undefined;
        throw err;
      },
    );
}

/** The rest of the chain once an authorizer answered with a promise (at `index`). */
async function finishAsync(
  chain: readonly Authorizer[],
  index: number,
  pending: Promise<Decision>,
  attrs: RequestAttributes,
  reasonSoFar: string,
): Promise<Decision> {
  let reason = reasonSoFar;
  let decision = await pending;
  for (let i = index; ; ) {
    if (decision.allowed) return decision;
    if (reason === '') reason = decision.reason;
    i++;
    if (i >= chain.length) return { allowed: false, reason };
    decision = await chain[i]!.authorize(attrs);
  }
}
