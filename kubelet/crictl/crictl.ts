/**
 * `wheelhouse crictl`: a CRI client for a node's runtime endpoint, as `crictl`
 * on a Kubernetes node — `ps`, `pods`, `images`, `logs`, `inspect`, `inspectp`,
 * `exec` — speaking CRI over the unix socket `--runtime-endpoint` names
 * (default unix:///run/containerd/containerd.sock, or $CONTAINER_RUNTIME_ENDPOINT).
 *
 * `exec` streams, as crictl's does: CRI's Exec, then the runtime's streaming server
 * (stdin with -i, a terminal with -t, output as it comes, the command's exit code as
 * crictl's). `exec --sync` runs the command to its end with ExecSync instead.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { ContainerState, PodSandboxState } from '../../sdk/gen/runtime/v1/api.js';
import { createCriRuntime } from '../runtime/cri/cri-runtime.js';
import type { RuntimeService } from '../runtime/runtime.js';

const usage = `usage: wheelhouse crictl [--runtime-endpoint unix:///path.sock] <command>
  ps [-a]                  list containers (running; -a for all)
  pods                     list pod sandboxes
  images                   list images
  logs <container>         print a container's log
  inspect <container>      a container's status as JSON
  inspectp <pod>           a pod sandbox's status as JSON
  exec [-i] [-t] [-s] <container> <cmd…>
                           run a command in a container: -i passes stdin, -t allocates
                           a terminal, -s (--sync) runs it to its end with ExecSync`;

export async function runCrictl(argv: string[]): Promise<void> {
  // exec's command is passed as it is: flags after the container belong to the command.
  const at = argv.indexOf('exec');
  const execArgs = at >= 0 ? argv.slice(at + 1) : undefined;
  const { values, positionals } = parseArgs({
    args: at >= 0 ? argv.slice(0, at + 1) : argv,
    options: {
      'runtime-endpoint': { type: 'string', short: 'r' },
      all: { type: 'boolean', short: 'a' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: false,
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  const endpoint =
    (values['runtime-endpoint'] as string | undefined) ??
    process.env.CONTAINER_RUNTIME_ENDPOINT ??
    'unix:///run/containerd/containerd.sock';
  const rt = createCriRuntime({ endpoint, timeoutMs: 30_000 });
  try {
    if (execArgs) {
      process.exitCode = await execCommand(rt, execArgs);
      return;
    }
    const out = await crictl(rt, command, rest, values.all === true);
    if (out) process.stdout.write(out);
  } finally {
    await rt.close();
  }
}

/** Runs one crictl command and returns what it prints. */
export async function crictl(
  rt: ReturnType<typeof createCriRuntime>,
  command: string,
  args: string[],
  all = false,
): Promise<string> {
  switch (command) {
    case 'ps': {
      const { containers } = await rt.listContainers({
        filter: all
          ? undefined
          : {
              id: '',
              podSandboxId: '',
              state: { state: ContainerState.CONTAINER_RUNNING },
              labelSelector: {},
            },
      });
      const pods = new Map((await rt.listPodSandbox({ filter: undefined })).items.map((p) => [p.id, p]));
      return table(
        ['CONTAINER', 'IMAGE', 'CREATED', 'STATE', 'NAME', 'ATTEMPT', 'POD ID', 'POD'],
        containers.map((c) => [
          c.id.slice(0, 13),
          c.image?.image ?? '',
          ago(c.createdAt),
          containerStateName(c.state),
          c.metadata?.name ?? '',
          String(c.metadata?.attempt ?? 0),
          c.podSandboxId.slice(0, 13),
          pods.get(c.podSandboxId)?.metadata?.name ?? '',
        ]),
      );
    }
    case 'pods': {
      const { items } = await rt.listPodSandbox({ filter: undefined });
      return table(
        ['POD ID', 'CREATED', 'STATE', 'NAME', 'NAMESPACE', 'ATTEMPT'],
        items.map((p) => [
          p.id.slice(0, 13),
          ago(p.createdAt),
          p.state === PodSandboxState.SANDBOX_READY ? 'Ready' : 'NotReady',
          p.metadata?.name ?? '',
          p.metadata?.namespace ?? '',
          String(p.metadata?.attempt ?? 0),
        ]),
      );
    }
    case 'images': {
      const { images } = await rt.listImages({ filter: undefined });
      return table(
        ['IMAGE', 'TAG', 'IMAGE ID', 'SIZE'],
        images.flatMap((i) =>
          (i.repoTags.length > 0 ? i.repoTags : ['<none>:<none>']).map((t) => {
            const colon = t.lastIndexOf(':');
            const slash = t.lastIndexOf('/');
            const [repo, tag] = colon > slash ? [t.slice(0, colon), t.slice(colon + 1)] : [t, '<none>'];
            return [repo, tag, i.id.replace(/^sha256:/, '').slice(0, 13), size(Number(i.size))];
          }),
        ),
      );
    }
    case 'logs': {
      const { status } = await rt.containerStatus({
        containerId: need(args[0], 'a container ID'),
        verbose: false,
      });
      const text = readFileSync(status?.logPath ?? '', 'utf8');
      // The content of each CRI log line; P (partial) lines continue without a newline.
      return text
        .split('\n')
        .filter((l) => l !== '')
        .map((l) => {
          const [, , tag, ...content] = l.split(' ');
          return content.join(' ') + (tag === 'P' ? '' : '\n');
        })
        .join('');
    }
    case 'inspect': {
      const r = await rt.containerStatus({ containerId: need(args[0], 'a container ID'), verbose: true });
      return `${JSON.stringify({ status: r.status, info: parseInfo(r.info) }, null, 2)}\n`;
    }
    case 'inspectp': {
      const r = await rt.podSandboxStatus({ podSandboxId: need(args[0], 'a pod ID'), verbose: true });
      return `${JSON.stringify({ status: r.status, info: parseInfo(r.info) }, null, 2)}\n`;
    }
    case 'exec': {
      process.exitCode = await execCommand(rt, args);
      return '';
    }
    default:
      throw new Error(`unknown crictl command "${command}"\n${usage}`);
  }
}

/** `exec [-i] [-t] [-s] <container> <cmd…>`: resolves to the command's exit code. */
async function execCommand(rt: RuntimeService, args: string[]): Promise<number> {
  const flags = { interactive: false, tty: false, sync: false };
  let i = 0;
  for (; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') {
      i++;
      break;
    }
    if (arg === '--interactive') flags.interactive = true;
    else if (arg === '--tty') flags.tty = true;
    else if (arg === '--sync') flags.sync = true;
    else if (/^-[its]+$/.test(arg)) {
      if (arg.includes('i')) flags.interactive = true;
      if (arg.includes('t')) flags.tty = true;
      if (arg.includes('s')) flags.sync = true;
    } else break;
  }
  const containerId = need(args[i], 'a container ID');
  const cmd = args.slice(i + 1);
  if (cmd.length === 0) throw new Error(`give a command to run in container ${containerId}\n${usage}`);
  if (flags.sync) {
    const r = await rt.execSync({ containerId, cmd, timeout: '0' });
    process.stdout.write(Buffer.from(r.stdout));
    process.stderr.write(Buffer.from(r.stderr));
    return r.exitCode;
  }
  const input = process.stdin;
  const tty = flags.tty && flags.interactive && input.isTTY === true;
  if (flags.tty && !tty)
    process.stderr.write('crictl exec: -t needs -i and a terminal on stdin; running without one\n');
  const session = await rt.exec({
    containerId,
    cmd,
    tty,
    stdin: flags.interactive,
    stdout: true,
    stderr: !tty,
  });
  // pipe() waits for the slower side both ways.
  session.stdout?.pipe(process.stdout, { end: false });
  session.stderr?.pipe(process.stderr, { end: false });
  if (session.stdin) input.pipe(session.stdin);
  const resize = () =>
    session.resize({ width: process.stdout.columns ?? 80, height: process.stdout.rows ?? 24 });
  if (session.tty) {
    input.setRawMode?.(true);
    resize();
    process.on('SIGWINCH', resize);
  }
  try {
    return await session.exitCode;
  } finally {
    if (session.tty) {
      process.off('SIGWINCH', resize);
      input.setRawMode?.(false);
    }
    if (session.stdin) input.unpipe(session.stdin);
    // Reading stdin holds the process open: let go of it once the command ended.
    input.pause();
    input.unref?.();
    session.close();
  }
}

function need(value: string | undefined, what: string): string {
  if (!value) throw new Error(`give ${what}\n${usage}`);
  return value;
}

function parseInfo(info: Record<string, string>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(info).map(([k, v]) => {
      try {
        return [k, JSON.parse(v)];
      } catch {
        return [k, v];
      }
    }),
  );
}

function containerStateName(state: ContainerState): string {
  return ['Created', 'Running', 'Exited', 'Unknown'][state] ?? 'Unknown';
}

function ago(ns: string): string {
  const s = Math.max(0, Math.round((Date.now() - Number(BigInt(ns) / 1_000_000n)) / 1000));
  if (s < 60) return `${s} seconds ago`;
  if (s < 3600) return `${Math.round(s / 60)} minutes ago`;
  return `${Math.round(s / 3600)} hours ago`;
}

function size(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)}GB`;
  if (bytes >= 1e6) return `${(bytes / 1e6).toFixed(1)}MB`;
  if (bytes >= 1e3) return `${(bytes / 1e3).toFixed(1)}kB`;
  return `${bytes}B`;
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return (
    [header, ...rows]
      .map((r) =>
        r
          .map((c, i) => c.padEnd(widths[i] ?? 0))
          .join('   ')
          .trimEnd(),
      )
      .join('\n') + '\n'
  );
}
