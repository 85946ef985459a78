/** The -o wide columns every workload kind prints after its own: its containers, images and selector. */
import type { PodTemplateSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { LabelSelector } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import { type Column, orNone } from './printer.js';
import { selectorString } from './selector.js';

export function templateColumns<T extends KindObject>(
  template: (o: T) => PodTemplateSpec | undefined,
  selector?: (o: T) => LabelSelector | undefined,
): Column<T>[] {
  const containers = (o: T) => template(o)?.spec?.containers ?? [];
  return [
    {
      header: 'CONTAINERS',
      wide: true,
      cell: (o) =>
        orNone(
          containers(o)
            .map((c) => c.name)
            .join(','),
        ),
    },
    {
      header: 'IMAGES',
      wide: true,
      cell: (o) =>
        orNone(
          containers(o)
            .map((c) => c.image)
            .join(','),
        ),
    },
    ...(selector ? [{ header: 'SELECTOR', wide: true, cell: (o: T) => selectorString(selector(o)) }] : []),
  ];
}
