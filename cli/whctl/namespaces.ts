/** Which namespace a command or an object acts in, as kubectl decides it. */
import { ObjectMeta } from '../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { UsageError } from './usage-error.js';

export const DEFAULT_NAMESPACE = 'default';

/**
 * The namespace of an object from a manifest: its own, else `-n`, else `default`.
 * An object that names another namespace than an explicit `-n` is refused rather
 * than silently sent elsewhere. Sets the namespace on the object (cluster-scoped
 * kinds get none) and returns it.
 */
export function placeObject(info: KindInfo, object: KindObject, flagNamespace: string | undefined): string {
  if (!info.namespaced) {
    if (object.metadata) object.metadata.namespace = '';
    return '';
  }
  const own = object.metadata?.namespace ?? '';
  if (own !== '' && flagNamespace !== undefined && own !== flagNamespace) {
    throw new UsageError(
      `the namespace from the provided object "${own}" does not match the namespace "${flagNamespace}". ` +
        `You must pass '--namespace=${own}' to perform this operation.`,
    );
  }
  const namespace = own || flagNamespace || DEFAULT_NAMESPACE;
  object.metadata ??= ObjectMeta.create();
  object.metadata.namespace = namespace;
  return namespace;
}
