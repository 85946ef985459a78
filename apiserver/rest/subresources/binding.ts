/**
 * `POST pods/{name}/binding`: a v1 Binding that assigns the Pod to a node, once, as the
 * scheduler does over gRPC (kinds/pod/binding.ts). Answers 201 with a Success Status.
 */
import { Binding } from '../../../sdk/gen/wheelhouse/core/v1/binding.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { kinds } from '../../../sdk/kinds.js';
import { bindPod } from '../../kinds/pod/binding.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { successStatus } from '../errors.js';
import { dryRunOf } from '../options.js';
import type { RestSubresource } from '../types.js';
import { checkBodyName, jsonBodyOf } from './body.js';

const podInfo = kinds.find((k) => k.kind === 'Pod')!;

export const podBindingSubresource: RestSubresource = {
  methods: ['POST'],
  verbs: ['create'],
  kind: { group: '', version: 'v1', kind: 'Binding' },
  async handler(req, _res, services) {
    const namespace = req.namespace || 'default';
    const body = await jsonBodyOf(req, 'Binding', ['v1']);
    checkBodyName('Binding', body, req.name);
    const ctx = await services.authorize(req, {
      verb: 'create',
      info: podInfo,
      subresource: 'binding',
      namespace,
      name: req.name,
      dryRun: dryRunOf(req.url.searchParams),
    });
    const binding = Binding.fromJSON(body);
    binding.metadata = ObjectMeta.fromPartial({ ...binding.metadata, name: req.name, namespace });
    const pods = services.registries.get('Pod') as unknown as GenericRegistry<Pod>;
    await bindPod(pods, binding, { ...ctx, signal: req.signal });
    return { status: 201, body: { ...successStatus(), code: 201 } };
  },
};
