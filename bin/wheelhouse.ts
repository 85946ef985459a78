/**
 * `wheelhouse <command>`: one subcommand per process of the control plane. Each
 * component owns its command module; this file only dispatches.
 */
const commands: Record<string, { summary: string; load: () => Promise<(argv: string[]) => Promise<void>> }> =
  {
    up: {
      summary: 'start the whole control plane on this machine',
      load: async () => (await import('../cli/up.js')).runUp,
    },
    store: {
      summary: 'run the key-value store',
      load: async () => (await import('../store/main.js')).runStore,
    },
    storectl: {
      summary: 'inspect the store (get, watch, status, compact)',
      load: async () => (await import('../store/storectl.js')).runStorectl,
    },
    apiserver: {
      summary: 'run the API server',
      load: async () => (await import('../apiserver/main.js')).runApiserver,
    },
    scheduler: {
      summary: 'assign pods to nodes',
      load: async () => (await import('../scheduler/main.js')).runScheduler,
    },
    'controller-manager': {
      summary: 'run the controllers (Deployments, ReplicaSets, ...)',
      load: async () => (await import('../controllers/main.js')).runControllerManager,
    },
    kubelet: {
      summary: "run a node's pods",
      load: async () => (await import('../kubelet/main.js')).runKubelet,
    },
    crictl: {
      summary: "inspect a node's container runtime over CRI (ps, pods, images, logs, inspect, exec)",
      load: async () => (await import('../kubelet/crictl/crictl.js')).runCrictl,
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
