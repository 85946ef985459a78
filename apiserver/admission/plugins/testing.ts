/** Helpers for the plugins' tests: admission attributes for an object, as the registry builds them. */
import type { KindObject } from '../../../sdk/kind-registry.js';
import { kinds } from '../../../sdk/kinds.js';
import type { RequestContext } from '../../registry/strategy.js';
import type { AdmissionAttributes, Operation } from '../types.js';

export const adminCtx: RequestContext = {
  user: 'admin',
  groups: ['system:masters', 'system:authenticated'],
  dryRun: false,
  now: new Date('2024-01-01T00:00:00Z'),
};

export function nodeCtx(node: string): RequestContext {
  return { ...adminCtx, user: `system:node:${node}`, groups: ['system:nodes', 'system:authenticated'] };
}

export function attrsFor(
  operation: Operation,
  object: KindObject | undefined,
  opts: { oldObject?: KindObject; ctx?: RequestContext; subresource?: string } = {},
): AdmissionAttributes {
  const subject = object ?? opts.oldObject;
  const info = kinds.find((k) => k.kind === subject?.kind);
  if (!info) throw new Error(`unknown kind ${subject?.kind}`);
  return {
    operation,
    info,
    subresource: opts.subresource ?? '',
    namespace: info.namespaced ? subject?.metadata?.namespace || 'default' : '',
    name: subject?.metadata?.name ?? '',
    ...(object ? { object } : {}),
    ...(opts.oldObject ? { oldObject: opts.oldObject } : {}),
    ctx: opts.ctx ?? adminCtx,
  };
}
