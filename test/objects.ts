/** Small builders of realistic objects for tests. */
import { Deployment } from '../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';

export function pod(
  name: string,
  opts: { namespace?: string; labels?: Record<string, string>; image?: string } = {},
): Pod {
  return Pod.fromPartial({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: opts.namespace ?? 'default', labels: opts.labels ?? { app: 'web' } },
    spec: {
      containers: [
        {
          name: 'web',
          image: opts.image ?? 'nginx:1.27',
          ports: [{ containerPort: 80 }],
          resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
        },
      ],
    },
  });
}

export function deployment(name: string, replicas = 2, namespace = 'default'): Deployment {
  return Deployment.fromPartial({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'web', image: 'nginx:1.27' }] },
      },
    },
  });
}
