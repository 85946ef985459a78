/**
 * `whctl autoscale (TYPE NAME | TYPE/NAME | -f FILE) --max=N [--min=N] [--cpu-percent=N]`:
 * a HorizontalPodAutoscaler for a deployment, replica set or stateful set, as `kubectl
 * autoscale` makes it. A named target is read from the apiserver first, so a missing one
 * is the server's NotFound; one from a file is taken as written, as kubectl takes it. The
 * autoscaler is built from the target and the flags (autoscale/autoscaler.ts) and created
 * like `create`'s generators create theirs.
 */
import { loadKindTypes } from '../../../sdk/kind-loader.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { decodeObject } from '../../../sdk/manifest/decode.js';
import type { Command } from '../command.js';
import type { CommandIo } from '../context.js';
import { commonFlags, dryRunOf, parseFlags } from '../flags.js';
import { withLastApplied } from '../last-applied.js';
import { readManifests } from '../manifests.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { objectOutputOf, renderChanged } from '../object-output.js';
import { formatError } from '../report-error.js';
import { parseResourceArgs, resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { dryRunSuffix } from './apply.js';
import { autoscaleOptionsOf, autoscalerFor, checkAutoscalable } from './autoscale/autoscaler.js';

const flags = {
  ...commonFlags,
  min: { type: 'string' },
  max: { type: 'string' },
  'cpu-percent': { type: 'string' },
  name: { type: 'string' },
  filename: { type: 'string', short: 'f', multiple: true },
  recursive: { type: 'boolean', short: 'R' },
  'dry-run': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'save-config': { type: 'boolean' },
} as const;

/** What to autoscale: the target's kind, namespace and name, and whether it must be read first. */
interface Target {
  readonly info: KindInfo;
  readonly namespace: string;
  readonly name: string;
  readonly read: boolean;
}

export const autoscaleCommand: Command = {
  summary: 'Auto-scale a deployment, replica set or stateful set',
  help: `Create an autoscaler that chooses and sets the number of pods of a deployment,
replica set or stateful set.

Looks up the object by name and creates a HorizontalPodAutoscaler (autoscaling/v2) named
after it that scales it between --min and --max replicas, keeping the pods' average CPU
use at --cpu-percent of their CPU requests. Without --min the server's default (1)
applies; without --cpu-percent its default policy (80% CPU).

Usage:
  whctl autoscale TYPE NAME --max=MAXPODS [--min=MINPODS] [--cpu-percent=CPU] [flags]
  whctl autoscale TYPE/NAME --max=MAXPODS [flags]
  whctl autoscale -f FILENAME --max=MAXPODS [flags]

Examples:
  whctl autoscale deployment web --min=2 --max=10        # the default CPU target
  whctl autoscale deploy/web --max=5 --cpu-percent=80
  whctl autoscale statefulset db --max=3 --name=db-autoscaler

Flags:
      --max MAXPODS             the most pods the autoscaler may set (required, at least 1)
      --min MINPODS             the fewest pods it may set (default: the server's, 1)
      --cpu-percent CPU         the target average CPU use, in percent of the pods' CPU
                                requests (default: the server's policy)
      --name NAME               the autoscaler's name (default: the object's)
  -f, --filename PATH           autoscale the objects of these manifests
  -R, --recursive               with -f, the folders' sub-folders too
  -n, --namespace NS            namespace (default "default")
      --dry-run[=MODE]          server (default when given) or client: print, create nothing
  -o, --output FORMAT           name, yaml or json: print the autoscaler instead of "autoscaled"
      --save-config             record the autoscaler as the last-applied configuration, for apply
      --config FILE             client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const options = autoscaleOptionsOf(values);
    const dryRun = dryRunOf(values['dry-run']);
    const output = objectOutputOf(values.output);
    const targets = await targetsOf(positionals, values.filename, values.recursive, values.namespace, ctx.io);
    const hpaInfo = resolveKind('horizontalpodautoscalers');
    await loadKindTypes(hpaInfo);
    const client = ctx.client(values.config);

    let failed = false;
    let first = true;
    for (const target of targets) {
      try {
        if (target.read) await client.get(target.info, target.namespace, target.name);
        checkAutoscalable(target.info);
        let manifest = autoscalerFor(target, options);
        // kubectl records the configuration only on what it sends.
        if (values['save-config'] && dryRun !== 'client') manifest = withLastApplied(manifest);
        const hpa = decodeObject(hpaInfo, manifest);
        placeObject(hpaInfo, hpa, target.namespace);
        // As kubectl says it: a client dry run "created" the object it prints.
        const created =
          dryRun === 'client' ? hpa : await client.create(hpaInfo, hpa, { dryRun: dryRun === 'server' });
        const what = dryRun === 'client' ? 'created' : 'autoscaled';
        ctx.io.write(renderChanged(output, hpaInfo, created, `${what}${dryRunSuffix(dryRun)}`, first));
        first = false;
      } catch (err) {
        ctx.io.writeError(formatError(err));
        failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};

/** The objects named on the command line, or those of the -f manifests. */
async function targetsOf(
  positionals: readonly string[],
  filenames: readonly string[] | undefined,
  recursive: boolean | undefined,
  flagNamespace: string | undefined,
  io: CommandIo,
): Promise<Target[]> {
  if (filenames) {
    if (positionals.length > 0) throw new UsageError('give either -f or resource names, not both');
    const objects = await readManifests(filenames, io, { recursive: recursive ?? false });
    if (objects.length === 0) throw new Error('no objects passed to autoscale');
    return objects.map(({ info, object }) => ({
      info,
      namespace: placeObject(info, object, flagNamespace),
      name: object.metadata?.name ?? '',
      read: false,
    }));
  }
  if (positionals.length === 0)
    throw new UsageError('You must provide one or more resources by argument or filename.');
  const namespace = flagNamespace ?? DEFAULT_NAMESPACE;
  return parseResourceArgs(positionals).flatMap(({ info, names }) => {
    if (names.length === 0) throw new UsageError('resource(s) were provided, but no name was specified');
    return names.map((name) => ({ info, namespace: info.namespaced ? namespace : '', name, read: true }));
  });
}
