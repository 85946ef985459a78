/**
 * The controller manager: one process that runs the enabled controllers under one
 * leader election (Lease `kube-system/kube-controller-manager`), with one shared
 * InformerFactory, so that two controllers watching Pods share one watch and one cache.
 * A controller is a descriptor (controller-descriptor.ts); this file only picks, wires
 * and starts them.
 */
import { type ComponentDefinition, type FlagSpec, runComponent } from '../sdk/component/index.js';
import { ApiError, Code } from '../sdk/errors.js';
import { type ControllerDescriptor, controllerContext } from './controller-descriptor.js';

export const CONTROLLER_MANAGER_PORT = 10257;
export const CONTROLLER_MANAGER_LEASE = 'kube-controller-manager';

/**
 * The controllers `--controllers` names, in kube-controller-manager's syntax: a comma
 * list where `*` is every controller on by default, `name` turns one on and `-name`
 * turns one off. Unknown names are an error naming the known ones.
 */
export function enabledControllers(
  spec: string,
  all: readonly ControllerDescriptor[],
): ControllerDescriptor[] {
  const known = new Map(all.map((c) => [c.name, c]));
  const items = spec
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
  for (const item of items) {
    const name = item.startsWith('-') ? item.slice(1) : item;
    if (name !== '*' && !known.has(name)) {
      throw new Error(
        `--controllers: unknown controller "${name}"; known: ${[...known.keys()].join(', ') || '(none)'}`,
      );
    }
  }
  const star = items.includes('*');
  return all.filter((c) => {
    if (items.includes(`-${c.name}`)) return false;
    if (items.includes(c.name)) return true;
    return star && c.enabledByDefault;
  });
}

/** Every descriptor's flags, refusing two controllers that claim one flag. */
export function controllerFlags(all: readonly ControllerDescriptor[]): Record<string, FlagSpec> {
  const flags: Record<string, FlagSpec> = {};
  const owner = new Map<string, string>();
  for (const c of all) {
    for (const [name, spec] of Object.entries(c.flags ?? {})) {
      const previous = owner.get(name);
      if (previous !== undefined && flags[name] !== spec) {
        throw new Error(`flag --${name} is declared by both ${previous} and ${c.name}`);
      }
      owner.set(name, c.name);
      flags[name] = spec;
    }
  }
  return flags;
}

export function controllerManagerDefinition(all: readonly ControllerDescriptor[]): ComponentDefinition {
  return {
    name: 'controller-manager',
    description:
      'Usage: wheelhouse controller-manager [flags]\n\nRuns the controllers that make the cluster converge on what was declared (Deployments, ReplicaSets, ...).',
    securePort: CONTROLLER_MANAGER_PORT,
    leaderElection: { resourceName: CONTROLLER_MANAGER_LEASE },
    eventSource: 'controller-manager',
    // No controller reads managed fields, and they are most of an object's decoding and
    // much of its memory: the informers hold objects without them. A controller's update
    // of such an object keeps the stored ones (the apiserver reads none as "leave them").
    informers: { managedFields: false },
    flags: {
      controllers: {
        type: 'string',
        default: '*',
        help: `controllers to run: '*' (the default ones), 'name' to enable, '-name' to disable; known: ${all.map((c) => c.name).join(', ')}`,
      },
      'use-service-account-credentials': {
        type: 'boolean',
        default: false,
        help: 'run each controller as its own ServiceAccount in kube-system, under its system:controller: role',
      },
      ...controllerFlags(all),
    },
    async run(ctx) {
      const enabled = enabledControllers(String(ctx.flags.controllers ?? '*'), all);
      ctx.logger.info({ controllers: enabled.map((c) => c.name) }, 'starting controllers');
      // One failing controller stops the term: the manager exits non-zero rather than run half its loops.
      const serviceAccountCredentials = ctx.flags['use-service-account-credentials'] === true;
      await Promise.all(
        enabled.map((c) =>
          controllerContext(c, ctx, { serviceAccountCredentials })
            .then((own) => c.run(own))
            .catch((err: unknown) => {
              // Stopped while it was still waiting for its first token: nothing ran.
              if (ctx.signal.aborted && err instanceof ApiError && err.code === Code.CANCELLED) return;
              ctx.logger.error({ controller: c.name, err }, 'controller stopped');
              throw err;
            }),
        ),
      );
    },
  };
}

/** The value of `--controllers` in argv, if given. */
function controllersArg(argv: readonly string[]): string | undefined {
  let value: string | undefined;
  argv.forEach((arg, i) => {
    if (arg === '--controllers') value = argv[i + 1];
    else if (arg.startsWith('--controllers=')) value = arg.slice('--controllers='.length);
  });
  return value;
}

/** Runs the controller manager; an unknown `--controllers` name is refused before anything starts. */
export async function runControllerManagerWith(
  all: readonly ControllerDescriptor[],
  argv: readonly string[],
): Promise<number> {
  const spec = controllersArg(argv);
  if (spec !== undefined) {
    try {
      enabledControllers(spec, all);
    } catch (err) {
      process.stderr.write(`${(err as Error).message}\n`);
      return 2;
    }
  }
  return runComponent(controllerManagerDefinition(all), argv);
}
