/**
 * `whctl set image`: changes container images of pods and of the pod templates
 * of workloads, init containers included, by a strategic merge patch that names
 * only the changed containers (merged by name), so that nothing else of the
 * object is written and a concurrent change to it is not lost.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { PatchType } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { Json, JsonObject } from '../../../sdk/manifest/decode.js';
import { encodeObject } from '../../../sdk/manifest/encode.js';
import type { Command } from '../command.js';
import { commonFlags, dryRunOf, parseFlags } from '../flags.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { objectOutputOf, renderChanged } from '../object-output.js';
import { formatError } from '../report-error.js';
import { objectLabel, parseResourceArgs } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { dryRunSuffix } from './apply.js';

const flags = {
  ...commonFlags,
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
  selector: { type: 'string', short: 'l' },
  all: { type: 'boolean' },
  'all-namespaces': { type: 'boolean', short: 'A' },
  'dry-run': { type: 'string' },
  output: { type: 'string', short: 'o' },
} as const;

/** Where each kind keeps its pod spec, as a path of manifest keys. */
const POD_SPEC_PATHS: Readonly<Record<string, readonly string[]>> = {
  Pod: ['spec'],
  Deployment: ['spec', 'template', 'spec'],
  ReplicaSet: ['spec', 'template', 'spec'],
  DaemonSet: ['spec', 'template', 'spec'],
  StatefulSet: ['spec', 'template', 'spec'],
  Job: ['spec', 'template', 'spec'],
  CronJob: ['spec', 'jobTemplate', 'spec', 'template', 'spec'],
};

const CONTAINER_LISTS = ['initContainers', 'containers'] as const;

/** `CONTAINER=IMAGE` arguments; `*` names every container. */
export type ImageChanges = ReadonlyMap<string, string>;

/** Splits the positionals into resource arguments and `CONTAINER=IMAGE` changes. */
export function parseImageArgs(positionals: readonly string[]): {
  resources: string[];
  images: ImageChanges;
} {
  const resources: string[] = [];
  const images = new Map<string, string>();
  for (const arg of positionals) {
    const at = arg.indexOf('=');
    if (at < 0) {
      if (images.size > 0)
        throw new UsageError(`all resources must be specified before image changes: ${arg}`);
      resources.push(arg);
      continue;
    }
    const container = arg.slice(0, at);
    const image = arg.slice(at + 1);
    if (container === '' || image === '')
      throw new UsageError(`invalid image update: ${arg} (want CONTAINER=IMAGE)`);
    images.set(container, image);
  }
  if (images.size === 0) throw new UsageError('at least one image update is required (CONTAINER=IMAGE)');
  return { resources, images };
}

/**
 * The strategic merge patch that sets the images on the object (manifest form):
 * only the containers whose image changes, by name. Empty when nothing changes.
 * Throws when a named container is in none of the object's container lists.
 */
export function imagePatch(info: KindInfo, object: JsonObject, images: ImageChanges): JsonObject {
  const path = POD_SPEC_PATHS[info.kind];
  const name = objectLabel(info, nameOfJson(object));
  if (!path) throw new Error(`${name}: the object is not a pod and has no pod template`);
  let podSpec: Json | undefined = object;
  for (const key of path) podSpec = isRecord(podSpec) ? podSpec[key] : undefined;
  const spec = isRecord(podSpec) ? podSpec : {};
  const found = new Set<string>();
  const changes: JsonObject = {};
  for (const list of CONTAINER_LISTS) {
    const containers = Array.isArray(spec[list]) ? spec[list] : [];
    const changed: JsonObject[] = [];
    for (const container of containers) {
      if (!isRecord(container) || typeof container.name !== 'string') continue;
      const image = images.get(container.name) ?? images.get('*');
      if (image === undefined) continue;
      found.add(images.has(container.name) ? container.name : '*');
      if (container.image !== image) changed.push({ name: container.name, image });
    }
    if (changed.length > 0) changes[list] = changed;
  }
  for (const container of images.keys()) {
    if (!found.has(container)) throw new Error(`unable to find container named "${container}" in ${name}`);
  }
  if (Object.keys(changes).length === 0) return {};
  let patch: JsonObject = changes;
  for (const key of [...path].reverse()) patch = { [key]: patch };
  return patch;
}

function isRecord(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function nameOfJson(object: JsonObject): string {
  const metadata = object.metadata;
  return isRecord(metadata) && typeof metadata.name === 'string' ? metadata.name : '';
}

interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
  /** Already read (a selector listed it); otherwise read before patching. */
  readonly object?: KindObject;
}

const imageCommand: Command = {
  summary: 'Update the images of pod templates',
  help: `Update existing container image(s) of resources: pods, deployments, replica sets,
daemon sets, stateful sets, jobs and cron jobs (init containers too).

Usage:
  whctl set image (-f FILENAME | TYPE NAME | TYPE/NAME | TYPE -l SELECTOR | TYPE --all) CONTAINER=IMAGE [CONTAINER=IMAGE...] [flags]

Examples:
  whctl set image deployment/web main=nginx:1.28
  whctl set image deployments,daemonsets --all '*=registry.local/base:2'

Flags:
  -f, --filename PATH     the objects named in these manifests
  -R, --recursive         also read the sub-folders of folders given with -f
  -l, --selector SEL      every object of the type that matches this label selector
      --all               every object of the type in the namespace
  -A, --all-namespaces    with -l or --all: in every namespace
  -n, --namespace NS      namespace (default "default")
  -o, --output FORMAT     name, yaml or json: print the changed objects instead
      --dry-run[=MODE]    server (default when given): validated, not stored; client: nothing is sent
      --config FILE       client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const dryRun = dryRunOf(values['dry-run']);
    const output = objectOutputOf(values.output);
    const { resources, images } = parseImageArgs(positionals);
    const client = ctx.client(values.config);
    const targets = await targetsOf(client, ctx, values, resources);

    let failed = false;
    let first = true;
    for (const target of targets) {
      try {
        const live = target.object ?? (await client.get(target.info, target.namespace, target.name));
        const patch = imagePatch(target.info, encodeObject(target.info, live), images);
        // kubectl says nothing about an object that already runs these images.
        if (Object.keys(patch).length === 0) continue;
        const changed =
          dryRun === 'client'
            ? live
            : await client.patch(
                target.info,
                target.namespace,
                target.name,
                PatchType.PATCH_TYPE_STRATEGIC_MERGE,
                patch,
                {
                  dryRun: dryRun === 'server',
                },
              );
        ctx.io.write(
          renderChanged(output, target.info, changed, `image updated${dryRunSuffix(dryRun)}`, first),
        );
        first = false;
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

async function targetsOf(
  client: ApiClient,
  ctx: Parameters<Command['run']>[1],
  values: {
    filename?: string[];
    recursive?: boolean;
    selector?: string;
    all?: boolean;
    'all-namespaces'?: boolean;
    namespace?: string;
  },
  resources: readonly string[],
): Promise<Target[]> {
  const targets: Target[] = [];
  if (values.filename) {
    if (resources.length > 0) throw new UsageError('give either -f or resource names, not both');
    for (const { info, object } of await readManifests(values.filename, ctx.io, {
      recursive: values.recursive,
    })) {
      const namespace = placeObject(info, object, values.namespace);
      targets.push({ info, namespace, name: object.metadata?.name ?? '' });
    }
    return targets;
  }
  const selecting = values.selector !== undefined || values.all === true;
  const namespace = values.namespace ?? DEFAULT_NAMESPACE;
  for (const request of parseResourceArgs(resources)) {
    const ns = request.info.namespaced ? namespace : '';
    if (request.names.length > 0) {
      if (selecting) throw new UsageError('names cannot be given together with -l or --all');
      for (const name of request.names) targets.push({ info: request.info, namespace: ns, name });
      continue;
    }
    if (!selecting)
      throw new UsageError('resource(s) were provided, but no name was specified (give names, -l or --all)');
    const list = await client.list(request.info, values['all-namespaces'] ? '' : ns, {
      labelSelector: values.selector ?? '',
    });
    for (const object of list.items) {
      targets.push({
        info: request.info,
        namespace: object.metadata?.namespace ?? '',
        name: object.metadata?.name ?? '',
        object,
      });
    }
  }
  if (targets.length === 0) ctx.io.writeError('No resources found\n');
  return targets;
}

/** `whctl set <what>`: only `image` so far. */
const subcommands: Readonly<Record<string, Command>> = { image: imageCommand };

export const setCommand: Command = {
  summary: 'Set specific features on objects (image)',
  help: `Set specific features on objects. Subcommands: image.

${imageCommand.help}`,
  async run(args, ctx) {
    const [name, ...rest] = args;
    const sub = name === undefined ? undefined : subcommands[name];
    if (!sub) throw new UsageError(`unknown "set" subcommand ${JSON.stringify(name ?? '')}; known: image`);
    return sub.run(rest, ctx);
  },
};
