/** Helpers for the strategies' tests: objects from manifests, a request context and printed errors. */
import type { KindObject } from '../../sdk/kind-registry.js';
import { parseManifests } from '../../sdk/manifest/index.js';
import type { RequestContext } from '../registry/strategy.js';
import { type ErrorList, errorMessage } from '../validation/field-error.js';

export const ctx: RequestContext = {
  user: 'admin',
  groups: ['system:masters'],
  dryRun: false,
  now: new Date('2024-01-01T00:00:00Z'),
};

/** Decodes one YAML manifest, as the apiserver receives it. */
export function fromYaml<T extends KindObject>(yaml: string): T {
  const [parsed] = parseManifests(yaml);
  if (!parsed) throw new Error('no object in manifest');
  return parsed.object as T;
}

/** The errors as Kubernetes prints them: `spec.containers[0].image: Required value`. */
export function messages(errs: ErrorList): string[] {
  return errs.map(errorMessage);
}

/** The field paths of the errors, in order. */
export function paths(errs: ErrorList): string[] {
  return errs.map((e) => e.path);
}
