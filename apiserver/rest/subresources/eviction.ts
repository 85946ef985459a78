/**
 * `POST pods/{name}/eviction`: a policy/v1 Eviction, the Pod deleted only if its
 * PodDisruptionBudget allows one more disruption (kinds/pod/eviction.ts). A budget that
 * does not is 429 TooManyRequests, which `kubectl drain` waits on and retries.
 */
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { Eviction } from '../../../sdk/gen/wheelhouse/policy/v1/eviction.js';
import type { PodDisruptionBudget } from '../../../sdk/gen/wheelhouse/policy/v1/pod_disruption_budget.js';
import { kinds } from '../../../sdk/kinds.js';
import { evictPod } from '../../kinds/pod/eviction.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { successStatus } from '../errors.js';
import { deleteOptionsOf, dryRunOf } from '../options.js';
import type { RestSubresource } from '../types.js';
import { checkBodyName, jsonBodyOf } from './body.js';

const podInfo = kinds.find((k) => k.kind === 'Pod')!;

export const podEvictionSubresource: RestSubresource = {
  methods: ['POST'],
  verbs: ['create'],
  kind: { group: 'policy', version: 'v1', kind: 'Eviction' },
  async handler(req, _res, services) {
    const namespace = req.namespace || 'default';
    // policy/v1beta1 is what kubectl older than 1.22 sends; the body is the same.
    const body = await jsonBodyOf(req, 'Eviction', ['policy/v1', 'policy/v1beta1']);
    checkBodyName('Eviction', body, req.name);
    const deleteOptions = deleteOptionsOf(
      req.url.searchParams,
      Buffer.from(JSON.stringify(body.deleteOptions ?? {})),
    );
    const dryRun = dryRunOf(req.url.searchParams) || deleteOptions.dryRun;
    const ctx = await services.authorize(req, {
      verb: 'create',
      info: podInfo,
      subresource: 'eviction',
      namespace,
      name: req.name,
      dryRun,
    });
    const eviction = Eviction.fromPartial({
      apiVersion: 'policy/v1',
      kind: 'Eviction',
      metadata: ObjectMeta.fromPartial({ name: req.name, namespace }),
      deleteOptions,
    });
    const pods = services.registries.get('Pod') as unknown as GenericRegistry<Pod>;
    const budgets = services.registries.get(
      'PodDisruptionBudget',
    ) as unknown as GenericRegistry<PodDisruptionBudget>;
    await evictPod(pods, budgets, eviction, { ...ctx, signal: req.signal });
    return { status: 201, body: { ...successStatus(), code: 201 } };
  },
};
