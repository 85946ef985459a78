/**
 * `PUT namespaces/{name}/finalize`: a v1 Namespace whose spec.finalizers replace the
 * stored ones, as NamespaceService.FinalizeNamespace does (kinds/namespace/finalize.ts).
 * It is how the namespace controller lets a namespace go, and how an operator frees one
 * stuck in Terminating (`kubectl replace --raw /api/v1/namespaces/NS/finalize -f ns.json`).
 */
import type { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ObjectMeta } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { kinds } from '../../../sdk/kinds.js';
import type { GenericRegistry } from '../../registry/generic-registry.js';
import { decodeRestObject, encodeRestObject, fieldValidationOf } from '../codec.js';
import { dryRunOf } from '../options.js';
import { addWarnings, bound } from '../resources.js';
import type { RestSubresource } from '../types.js';
import { checkBodyName, jsonBodyOf } from './body.js';

const namespaceInfo = kinds.find((k) => k.kind === 'Namespace')!;

export const namespaceFinalizeSubresource: RestSubresource = {
  methods: ['PUT'],
  verbs: ['update'],
  async handler(req, res, services) {
    const body = await jsonBodyOf(req, 'Namespace', ['v1']);
    checkBodyName('Namespace', body, req.name);
    const { object, warnings } = decodeRestObject(
      namespaceInfo,
      body,
      fieldValidationOf(req.url.searchParams),
    );
    if (warnings.length > 0) addWarnings(res, warnings);
    const namespace = object as Namespace;
    namespace.metadata = ObjectMeta.fromPartial({ ...namespace.metadata, name: req.name });
    const ctx = await services.authorize(req, {
      verb: 'update',
      info: namespaceInfo,
      subresource: 'finalize',
      namespace: '',
      name: req.name,
      dryRun: dryRunOf(req.url.searchParams),
    });
    const namespaces = services.registries.get('Namespace') as unknown as GenericRegistry<Namespace>;
    const updated = await namespaces.updateFinalize(namespace, bound(ctx, req));
    return { body: encodeRestObject(namespaceInfo, updated) };
  },
};
