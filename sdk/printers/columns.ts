/** Columns many kinds share: NAME, AGE, and the containers, images and selector of a workload's template. */
import type { PodTemplateSpec } from '../gen/wheelhouse/core/v1/pod.js';
import type { LabelSelector } from '../gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../kind-registry.js';
import { age } from './age.js';
import { formatLabelSelector } from './labels.js';
import { type Column, column } from './printer.js';

export const nameColumn: Column<KindObject> = column(
  'Name',
  'string',
  'The name of the object, unique among the objects of its kind in its namespace.',
  (o) => o.metadata?.name ?? '',
  { format: 'name' },
);

export const ageColumn: Column<KindObject> = column(
  'Age',
  'string',
  'Time since the object was created (metadata.creationTimestamp).',
  (o, now) => age(o.metadata?.creationTimestamp, now),
);

/** `a,b` and `nginx:1,busybox` for a list of containers (kubectl's layoutContainerCells). */
export function containerCells(containers: readonly { name: string; image: string }[]): [string, string] {
  return [containers.map((c) => c.name).join(','), containers.map((c) => c.image).join(',')];
}

/** CONTAINERS and IMAGES of a pod template, and SELECTOR when `selector` is given: the -o wide columns of workloads. */
export function templateColumns<T>(
  template: (o: T) => PodTemplateSpec | undefined,
  selector?: (o: T) => LabelSelector | undefined,
): Column<T>[] {
  const containers = (o: T) => containerCells(template(o)?.spec?.containers ?? []);
  return [
    column<T>('Containers', 'string', 'Names of each container in the template.', (o) => containers(o)[0], {
      priority: 1,
    }),
    column<T>(
      'Images',
      'string',
      'Images referenced by each container in the template.',
      (o) => containers(o)[1],
      {
        priority: 1,
      },
    ),
    ...(selector
      ? [
          column<T>(
            'Selector',
            'string',
            'The label query over pods that the workload manages.',
            (o) => formatLabelSelector(selector(o)),
            { priority: 1 },
          ),
        ]
      : []),
  ];
}
