/**
 * `whctl <command>`: dispatches to one command module each, prints what a
 * command throws, and resolves to the exit code.
 */
import type { Command } from './command.js';
import type { CommandIo } from './context.js';

/** A command as the dispatcher knows it: its summary, and its module loaded only when run. */
interface CommandEntry {
  readonly summary: string;
  load(): Promise<Command>;
}

/** Loaded on demand, so that `whctl --help` and every command load only what they use. */
export const commands: Readonly<Record<string, CommandEntry>> = {
  get: {
    summary: 'Display one or many resources',
    load: async () => (await import('./commands/get.js')).getCommand,
  },
  describe: {
    summary: 'Show details of a resource, with its events',
    load: async () => (await import('./commands/describe.js')).describeCommand,
  },
  logs: {
    summary: 'Print the logs for a container in a pod',
    load: async () => (await import('./commands/logs.js')).logsCommand,
  },
  apply: {
    summary: 'Create or update resources from files or standard input',
    load: async () => (await import('./commands/apply.js')).applyCommand,
  },
  diff: {
    summary: 'Diff the live objects against what apply would make of them',
    load: async () => (await import('./commands/diff.js')).diffCommand,
  },
  edit: {
    summary: 'Edit a resource on the server in an editor',
    load: async () => (await import('./commands/edit.js')).editCommand,
  },
  replace: {
    summary: 'Replace resources by file or standard input',
    load: async () => (await import('./commands/replace.js')).replaceCommand,
  },
  set: {
    summary: 'Set specific features on objects (image)',
    load: async () => (await import('./commands/set.js')).setCommand,
  },
  create: {
    summary: 'Create resources from files or standard input',
    load: async () => (await import('./commands/create.js')).createCommand,
  },
  expose: {
    summary: 'Expose a deployment, replica set, pod or service as a new service',
    load: async () => (await import('./commands/expose.js')).exposeCommand,
  },
  autoscale: {
    summary: 'Auto-scale a deployment, replica set or stateful set',
    load: async () => (await import('./commands/autoscale.js')).autoscaleCommand,
  },
  run: {
    summary: 'Run a particular image in a pod',
    load: async () => (await import('./commands/run.js')).runCommand,
  },
  delete: {
    summary: 'Delete resources by file, by name, by label selector, or all of a type',
    load: async () => (await import('./commands/delete.js')).deleteCommand,
  },
  exec: {
    summary: 'Execute a command in a container',
    load: async () => (await import('./commands/exec.js')).execCommand,
  },
  rollout: {
    summary: 'Manage the rollout of a deployment (status, history, undo, pause, resume, restart)',
    load: async () => (await import('./commands/rollout.js')).rolloutCommand,
  },
  scale: {
    summary: 'Set a new size for a deployment, replica set or stateful set',
    load: async () => (await import('./commands/scale.js')).scaleCommand,
  },
  patch: {
    summary: 'Update fields of a resource using a strategic merge, merge or JSON patch',
    load: async () => (await import('./commands/patch.js')).patchCommand,
  },
  label: {
    summary: 'Update the labels on a resource',
    load: async () => (await import('./commands/label.js')).labelCommand,
  },
  annotate: {
    summary: 'Update the annotations on a resource',
    load: async () => (await import('./commands/label.js')).annotateCommand,
  },
  cordon: {
    summary: 'Mark node as unschedulable',
    load: async () => (await import('./commands/cordon.js')).cordon,
  },
  uncordon: {
    summary: 'Mark node as schedulable',
    load: async () => (await import('./commands/cordon.js')).uncordon,
  },
  top: {
    summary: 'Display resource (CPU/memory) usage',
    load: async () => (await import('./commands/top.js')).topCommand,
  },
  drain: {
    summary: 'Drain node in preparation for maintenance',
    load: async () => (await import('./commands/drain.js')).drainCommand,
  },
  'api-resources': {
    summary: 'Print the supported API resources',
    load: async () => (await import('./commands/api-resources.js')).apiResourcesCommand,
  },
  auth: {
    summary: 'Inspect authorization (can-i, whoami)',
    load: async () => (await import('./commands/auth.js')).authCommand,
  },
  wait: {
    summary: 'Wait for a specific condition on one or many resources',
    load: async () => (await import('./commands/wait.js')).waitCommand,
  },
  explain: {
    summary: 'Get the documentation of a resource and its fields',
    load: async () => (await import('./commands/explain.js')).explainCommand,
  },
  'cluster-info': {
    summary: 'Display the address of the control plane and the health of its components',
    load: async () => (await import('./commands/cluster-info.js')).clusterInfoCommand,
  },
  config: {
    summary: 'Modify the client config file (contexts, namespace)',
    load: async () => (await import('./commands/config.js')).configCommand,
  },
  version: {
    summary: 'Print the client version and the apiserver it talks to',
    load: async () => (await import('./commands/version.js')).versionCommand,
  },
};

export function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `whctl controls a Wheelhouse cluster.

Usage: whctl <command> [flags]

Commands:
${lines.join('\n')}

The client config is read from --config, $WHEELHOUSE_CONFIG, ./.wheelhouse/admin.yaml
or ~/.wheelhouse/config, first found. Run 'whctl <command> --help' for a command's flags.
`;
}

export async function runWhctl(argv: readonly string[], io: CommandIo): Promise<number> {
  const [name, ...args] = globalFlagsAfterCommand(argv);
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? io.writeError : io.write)(usage());
    return name === undefined ? 1 : 0;
  }
  const entry = commands[name];
  if (!entry) {
    io.writeError(`error: unknown command "${name}" for "whctl"\n\n${usage()}`);
    return 1;
  }
  const command = await entry.load();
  if (args.includes('--help') || args.includes('-h')) {
    io.write(command.helpFor?.(args) ?? command.help);
    return 0;
  }
  // Loaded here, not at the top: the client and the generated messages they pull in
  // took most of `whctl --help`'s time, which needs none of them.
  const [{ createContext }, { globalOptionsOf, setContextNamespace }] = await Promise.all([
    import('./context.js'),
    import('./flags.js'),
  ]);
  let ctx: import('./context.js').Context | undefined;
  try {
    ctx = createContext(io, undefined, globalOptionsOf(args));
    setContextNamespace(name === 'config' ? undefined : contextNamespaceOf(ctx));
    return await command.run(args, ctx);
  } catch (err) {
    const [{ formatError }, { UsageError }] = await Promise.all([
      import('./report-error.js'),
      import('./usage-error.js'),
    ]);
    io.writeError(formatError(err));
    if (err instanceof UsageError) io.writeError(`See 'whctl ${name} --help' for usage.\n`);
    return 1;
  } finally {
    ctx?.close();
  }
}

/**
 * The namespace of the config's context, the default of `-n`; none when the config does
 * not load (the command then says why, if it needs the config at all).
 */
function contextNamespaceOf(ctx: import('./context.js').Context): string | undefined {
  try {
    return ctx.config(undefined).namespace;
  } catch {
    return undefined;
  }
}

/** Global flags that take a value, as kubectl has them before or after the command. */
const GLOBAL_WITH_VALUE = new Set([
  '--config',
  '-n',
  '--namespace',
  '--context',
  '--as',
  '--as-group',
  '-v',
  '--v',
]);

/**
 * kubectl takes its global flags anywhere: `whctl -n kube-system get pods` is
 * `whctl get pods -n kube-system`. Those before the command name move after it,
 * so that each command parses them with its own flags.
 */
export function globalFlagsAfterCommand(argv: readonly string[]): string[] {
  const moved: string[] = [];
  let i = 0;
  while (i < argv.length) {
    const arg = argv[i] as string;
    const flag = arg.split('=')[0] as string;
    if (GLOBAL_WITH_VALUE.has(flag)) {
      const takesNext = !arg.includes('=') && i + 1 < argv.length;
      moved.push(...(takesNext ? [arg, argv[i + 1] as string] : [arg]));
      i += takesNext ? 2 : 1;
    } else if (/^-(n|v)[^=-]/.test(arg)) {
      moved.push(arg);
      i++;
    } else break;
  }
  if (moved.length === 0 || i >= argv.length) return [...argv];
  const [name, ...rest] = argv.slice(i) as [string, ...string[]];
  const dashes = rest.indexOf('--');
  return dashes < 0
    ? [name, ...rest, ...moved]
    : [name, ...rest.slice(0, dashes), ...moved, ...rest.slice(dashes)];
}
