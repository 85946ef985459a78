/**
 * `wheelhouse <command>`: one subcommand per process of the control plane. Each
 * component owns its command module; this file only dispatches.
 *
 * The build bundles this file once per command (`dist/bin/wheelhouse-<command>.cjs`), with
 * `process.env.WHEELHOUSE_BUNDLE_COMMAND` replaced by the command's name: the other
 * commands' imports are then dead code, left out, so that a process reads and keeps only
 * its own component's code. From source the variable is unset and every command loads.
 */
type Run = (argv: string[]) => Promise<void>;

/** In a bundle made for another command (never run: the launcher picks the bundle by command). */
function notBundled(name: string): Run {
  throw new Error(`this bundle does not hold the "${name}" command; run it through bin/wheelhouse.js`);
}

const commands: Record<string, { summary: string; load: () => Promise<Run> }> = {
  up: {
    summary: 'start the whole control plane on this machine',
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined || process.env.WHEELHOUSE_BUNDLE_COMMAND === 'up'
        ? (await import('../cli/up.js')).runUp
        : notBundled('up'),
  },
  store: {
    summary: 'run the key-value store',
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined || process.env.WHEELHOUSE_BUNDLE_COMMAND === 'store'
        ? (await import('../store/main.js')).runStore
        : notBundled('store'),
  },
  storectl: {
    summary: 'inspect the store (get, watch, status, compact)',
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined ||
      process.env.WHEELHOUSE_BUNDLE_COMMAND === 'storectl'
        ? (await import('../store/storectl.js')).runStorectl
        : notBundled('storectl'),
  },
  apiserver: {
    summary: 'run the API server',
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined ||
      process.env.WHEELHOUSE_BUNDLE_COMMAND === 'apiserver'
        ? (await import('../apiserver/main.js')).runApiserver
        : notBundled('apiserver'),
  },
  scheduler: {
    summary: 'assign pods to nodes',
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined ||
      process.env.WHEELHOUSE_BUNDLE_COMMAND === 'scheduler'
        ? (await import('../scheduler/main.js')).runScheduler
        : notBundled('scheduler'),
  },
  'controller-manager': {
    summary: 'run the controllers (Deployments, ReplicaSets, ...)',
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined ||
      process.env.WHEELHOUSE_BUNDLE_COMMAND === 'controller-manager'
        ? (await import('../controllers/main.js')).runControllerManager
        : notBundled('controller-manager'),
  },
  kubelet: {
    summary: "run a node's pods",
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined ||
      process.env.WHEELHOUSE_BUNDLE_COMMAND === 'kubelet'
        ? (await import('../kubelet/main.js')).runKubelet
        : notBundled('kubelet'),
  },
  crictl: {
    summary: "inspect a node's container runtime over CRI (ps, pods, images, logs, inspect, exec)",
    load: async () =>
      process.env.WHEELHOUSE_BUNDLE_COMMAND === undefined ||
      process.env.WHEELHOUSE_BUNDLE_COMMAND === 'crictl'
        ? (await import('../kubelet/crictl/crictl.js')).runCrictl
        : notBundled('crictl'),
  },
};

function usage(): string {
  const width = Math.max(...Object.keys(commands).map((c) => c.length));
  const lines = Object.entries(commands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return `Usage: wheelhouse <command> [flags]\n\nCommands:\n${lines.join('\n')}\n\nRun 'wheelhouse <command> --help' for a command's flags.\n`;
}

const [name, ...argv] = process.argv.slice(2);
if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
  process.stdout.write(usage());
  process.exit(name === undefined ? 1 : 0);
}
const command = commands[name];
if (command === undefined) {
  process.stderr.write(`wheelhouse: unknown command "${name}"\n\n${usage()}`);
  process.exit(1);
}
// No top-level await: the build bundles this file as CommonJS (scripts/build.mjs).
command
  .load()
  .then((run) => run(argv))
  .catch((err: unknown) => {
    process.stderr.write(`wheelhouse ${name}: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
