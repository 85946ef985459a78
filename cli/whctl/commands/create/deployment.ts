/** `whctl create deployment NAME --image=IMAGE...`: pods labelled app=NAME, one container an image. */
import { UsageError } from '../../usage-error.js';
import { containerNameOf } from './container-name.js';
import { type Generator, intOf, listOf } from './generator.js';

export const deploymentGenerator: Generator = {
  kind: 'Deployment',
  summary: 'Create a deployment with the specified name',
  usage: `Usage:
  whctl create deployment NAME --image=IMAGE [--image=IMAGE...] [--replicas=N] [--port=PORT] [-- COMMAND [ARGS...]]

Flags:
      --image IMAGE       an image to run, one container each (repeatable)
  -r, --replicas N        how many pods (default 1)
      --port PORT         the port the first container exposes
`,
  flags: {
    image: { type: 'string', multiple: true },
    replicas: { type: 'string', short: 'r' },
    port: { type: 'string' },
  },
  takesCommand: true,
  build({ name, values, command }) {
    const images = listOf(values.image);
    if (images.length === 0) throw new UsageError('required flag(s) "image" not set');
    if (command.length > 0 && images.length > 1) {
      throw new UsageError('cannot specify multiple --image options and command');
    }
    const port = intOf(values.port, 'port');
    const replicas = intOf(values.replicas, 'replicas') ?? 1;
    const labels = { app: name };
    const containers = images.map((image, i) => ({
      name: containerNameOf(image),
      image,
      ...(command.length > 0 ? { command: [...command] } : {}),
      ...(i === 0 && port !== undefined ? { ports: [{ containerPort: port }] } : {}),
    }));
    return {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name, labels },
      spec: {
        replicas,
        selector: { matchLabels: labels },
        template: { metadata: { labels }, spec: { containers } },
      },
    };
  },
};
