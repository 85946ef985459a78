/**
 * NamespaceService.FinalizeNamespace: the `namespaces/finalize` subresource, through
 * which spec.finalizers change (the namespace controller removes `kubernetes` with it
 * once the namespace is empty). Authorized as `update` of `namespaces/finalize`.
 */
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { asyncUnary } from '../../../sdk/server/index.js';
import { boundToCall, managedBy } from '../../services/call-context.js';
import type { Subresources } from '../kind-definition.js';

export const namespaceFinalizeMethods: Subresources<Namespace> = (context) => ({
  finalizeNamespace: asyncUnary<{ namespace?: Namespace; dryRun?: boolean }, unknown>(async (req, call) => {
    const name = req.namespace?.metadata?.name ?? '';
    const ctx = await context.gate.admit(
      call.metadata,
      { verb: 'update', info: context.registry.info, subresource: 'finalize', namespace: '', name },
      req.dryRun,
    );
    const namespace = await context.registry.updateFinalize(
      req.namespace,
      boundToCall(managedBy(ctx, call.metadata), call),
    );
    return { namespace };
  }),
});
