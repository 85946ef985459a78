/**
 * `whctl run NAME --image=IMAGE [-- ARGS]`: one Pod labelled run=NAME with one container
 * named NAME, as kubectl's run builds it. The words after `--` are the container's
 * args, or with `--command` its command.
 */

import type { Command } from '../command.js';
import { UsageError } from '../usage-error.js';
import { type Generator, generatorCommand, intOf, listOf, stringOf } from './create/generator.js';

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];

function pairs(list: readonly string[], flag: string): [string, string][] {
  return list.map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`invalid --${flag} "${pair}": expected KEY=VALUE`);
    return [pair.slice(0, eq), pair.slice(eq + 1)];
  });
}

const podGenerator: Generator = {
  kind: 'Pod',
  summary: 'Run a particular image in a pod',
  usage: `Usage:
  whctl run NAME --image=image [--env="key=value"] [--port=port] [--labels=k=v,...] [--restart=Always]
      [--command] -- [COMMAND] [args...]

Flags:
      --image IMAGE          the image of its one container
      --env KEY=VALUE        an environment variable (repeatable)
      --port PORT            the port the container exposes
  -l, --labels K=V,...       the pod's labels (default run=NAME)
      --restart POLICY       Always (default), OnFailure or Never
      --command              the words after -- are the command, not its arguments
      --image-pull-policy P  Always, IfNotPresent or Never
      --annotations K=V      an annotation (repeatable)
`,
  flags: {
    image: { type: 'string' },
    env: { type: 'string', multiple: true },
    port: { type: 'string' },
    labels: { type: 'string', short: 'l' },
    restart: { type: 'string' },
    command: { type: 'boolean' },
    'image-pull-policy': { type: 'string' },
    annotations: { type: 'string', multiple: true },
  },
  takesCommand: true,
  build({ name, values, command }) {
    const image = stringOf(values.image);
    if (!image) throw new UsageError('required flag(s) "image" not set');
    const restart = stringOf(values.restart) ?? 'Always';
    if (!RESTART_POLICIES.includes(restart)) {
      throw new UsageError(
        `invalid restart policy: ${restart}: must be one of ${RESTART_POLICIES.join(', ')}`,
      );
    }
    if (values.command === true && command.length === 0) {
      throw new UsageError('--command needs a command after "--"');
    }
    const labelText = stringOf(values.labels);
    const labels = labelText ? Object.fromEntries(pairs(labelText.split(','), 'labels')) : { run: name };
    const annotations = Object.fromEntries(pairs(listOf(values.annotations), 'annotations'));
    const env = pairs(listOf(values.env), 'env').map(([n, value]) => ({ name: n, value }));
    const port = intOf(values.port, 'port');
    const pullPolicy = stringOf(values['image-pull-policy']);
    const words = command.length > 0 ? { [values.command === true ? 'command' : 'args']: [...command] } : {};
    return {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: {
        name,
        labels,
        ...(Object.keys(annotations).length > 0 ? { annotations } : {}),
      },
      spec: {
        containers: [
          {
            name,
            image,
            ...words,
            ...(env.length > 0 ? { env } : {}),
            ...(port !== undefined ? { ports: [{ containerPort: port }] } : {}),
            ...(pullPolicy ? { imagePullPolicy: pullPolicy } : {}),
          },
        ],
        restartPolicy: restart,
      },
    };
  },
};

export const runCommand: Command = generatorCommand(podGenerator);
