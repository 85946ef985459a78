/**
 * A real containerd for tests, with nothing from the internet: the test's own
 * containerd (root, state, socket and config under a temporary directory; its
 * shims still live under /run/containerd), fed by a real local registry
 * (Debian's `docker-registry` on a free loopback port) holding images built
 * here from Debian's static busybox and pushed with `skopeo`:
 *
 * - `<registry>/busybox:latest`: busybox and its applets (`sh`, `sleep`, `cat`, …), CMD `sh`;
 * - `<registry>/pause:latest`: the same layer, ENTRYPOINT `sleep` forever, the sandbox image.
 *
 * containerd runs with `restrict_oom_score_adj` (no CAP_SYS_RESOURCE needed),
 * the cgroupfs driver, and the registry as a plain-HTTP mirror, so PullImage
 * fetches for real. Host-network pods need no CNI.
 *
 * `containerdUnavailable()` says why containerd cannot run on this machine
 * (missing packages, not root), for a test to skip with; CI must not skip.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export interface Containerd {
  /** `unix:///…/containerd.sock`, for --container-runtime-endpoint. */
  endpoint: string;
  /** `127.0.0.1:<port>`, the registry images are pulled from. */
  registry: string;
  /** The busybox image reference. */
  busybox: string;
  /** The pause (sandbox) image reference. */
  pause: string;
  dir: string;
  stop(): Promise<void>;
}

const binaries = {
  containerd: '/usr/bin/containerd',
  runc: ['/usr/bin/runc', '/usr/sbin/runc'],
  registry: '/usr/bin/docker-registry',
  skopeo: '/usr/bin/skopeo',
  busybox: '/bin/busybox',
};

/** Why containerd cannot run here, or undefined when it can. */
export function containerdUnavailable(): string | undefined {
  if (process.platform !== 'linux') return 'containerd tests need Linux';
  if (process.getuid?.() !== 0) return 'containerd tests need root';
  const missing = [binaries.containerd, binaries.registry, binaries.skopeo, binaries.busybox].filter(
    (p) => !existsSync(p),
  );
  if (!binaries.runc.some((p) => existsSync(p))) missing.push('runc');
  if (missing.length > 0)
    return `missing ${missing.join(', ')}; install the Debian packages containerd runc busybox-static docker-registry skopeo`;
  return undefined;
}

/** Starts the registry and containerd, builds and pushes the images. */
export async function startContainerd(): Promise<Containerd> {
  const reason = containerdUnavailable();
  if (reason) throw new Error(`containerd cannot run here: ${reason}`);
  // Short: a unix socket path must fit in 108 bytes.
  const dir = mkdtempSync('/tmp/wh-ctrd-');
  const children: ChildProcess[] = [];
  const stop = async (): Promise<void> => {
    for (const child of children.reverse()) await stopChild(child);
    // Containers containerd left (their shims outlive it) are killed with their sandboxes by the tests.
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const registryPort = await freePort();
    const registry = `127.0.0.1:${registryPort}`;
    writeFileSync(
      join(dir, 'registry.yml'),
      [
        'version: 0.1',
        'log:',
        '  level: error',
        'storage:',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'registry')}`,
        'http:',
        `  addr: ${registry}`,
        '',
      ].join('\n'),
    );
    children.push(start(binaries.registry, ['serve', join(dir, 'registry.yml')], join(dir, 'registry.log')));
    await waitUntil('the registry to answer', async () => {
      try {
        return (await fetch(`http://${registry}/v2/`)).ok;
      } catch {
        return false;
      }
    });

    buildAndPush(dir, registry, 'busybox', { Cmd: ['sh'] });
    buildAndPush(dir, registry, 'pause', { Entrypoint: ['sleep', '2147483647'] });

    const socket = join(dir, 'containerd.sock');
    const cri = 'plugins."io.containerd.grpc.v1.cri"';
    writeFileSync(
      join(dir, 'config.toml'),
      [
        'version = 2',
        `root = "${join(dir, 'root')}"`,
        `state = "${join(dir, 'state')}"`,
        '[grpc]',
        `  address = "${socket}"`,
        '[ttrpc]',
        `  address = "${socket}.ttrpc"`,
        `[${cri}]`,
        `  sandbox_image = "${registry}/pause:latest"`,
        '  restrict_oom_score_adj = true',
        '  stream_server_address = "127.0.0.1"',
        '  stream_server_port = "0"',
        `[${cri}.containerd.runtimes.runc]`,
        '  runtime_type = "io.containerd.runc.v2"',
        `[${cri}.containerd.runtimes.runc.options]`,
        '  SystemdCgroup = false',
        `[${cri}.cni]`,
        `  conf_dir = "${join(dir, 'cni')}"`,
        `[${cri}.registry.mirrors."${registry}"]`,
        `  endpoint = ["http://${registry}"]`,
        '',
      ].join('\n'),
    );
    children.push(
      start(binaries.containerd, ['--config', join(dir, 'config.toml')], join(dir, 'containerd.log')),
    );
    await waitUntil('containerd to listen', async () => existsSync(socket), 30_000);
    return {
      endpoint: `unix://${socket}`,
      registry,
      busybox: `${registry}/busybox:latest`,
      pause: `${registry}/pause:latest`,
      dir,
      stop,
    };
  } catch (err) {
    const log = existsSync(join(dir, 'containerd.log'))
      ? readFileSync(join(dir, 'containerd.log'), 'utf8').slice(-2000)
      : '';
    await stop();
    throw new Error(`${String(err)}\n${log}`);
  }
}

function start(command: string, args: string[], logFile: string): ChildProcess {
  writeFileSync(logFile, '', { flag: 'a' });
  const child = spawn(command, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', (b: Buffer) => writeFileSync(logFile, b, { flag: 'a' }));
  return child;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}

async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * Writes an OCI image layout of one layer (busybox and its applets) with the
 * given config, and pushes it to the registry as `<name>:latest`.
 */
function buildAndPush(dir: string, registry: string, name: string, config: Record<string, unknown>): void {
  const work = join(dir, `image-${name}`);
  const rootfs = join(work, 'rootfs');
  mkdirSync(join(rootfs, 'bin'), { recursive: true });
  for (const d of ['proc', 'sys', 'dev', 'tmp', 'etc', 'root'])
    mkdirSync(join(rootfs, d), { recursive: true });
  execFileSync('cp', [binaries.busybox, join(rootfs, 'bin/busybox')]);
  const applets = execFileSync(binaries.busybox, ['--list']).toString().split('\n').filter(Boolean);
  for (const applet of applets) if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc/group'), 'root:x:0:\n');

  const blobs = join(work, 'oci/blobs/sha256');
  mkdirSync(blobs, { recursive: true });
  const layerPath = join(work, 'layer.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', rootfs, '-cf', layerPath, '.']);
  const layer = readFileSync(layerPath);
  const put = (data: Buffer): { digest: string; size: number } => {
    const hex = createHash('sha256').update(data).digest('hex');
    writeFileSync(join(blobs, hex), data);
    return { digest: `sha256:${hex}`, size: data.length };
  };
  const layerBlob = put(layer);
  const configBlob = put(
    Buffer.from(
      JSON.stringify({
        architecture: ociArch(),
        os: 'linux',
        config: { Env: ['PATH=/bin'], WorkingDir: '/', ...config },
        rootfs: { type: 'layers', diff_ids: [layerBlob.digest] },
      }),
    ),
  );
  const manifestBlob = put(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...configBlob },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar', ...layerBlob }],
      }),
    ),
  );
  writeFileSync(join(work, 'oci/oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  writeFileSync(
    join(work, 'oci/index.json'),
    JSON.stringify({
      schemaVersion: 2,
      manifests: [
        {
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
          ...manifestBlob,
          annotations: { 'org.opencontainers.image.ref.name': 'latest' },
        },
      ],
    }),
  );
  execFileSync(
    binaries.skopeo,
    [
      'copy',
      '--quiet',
      '--dest-tls-verify=false',
      `oci:${join(work, 'oci')}:latest`,
      `docker://${registry}/${name}:latest`,
    ],
    { stdio: 'pipe' },
  );
}

function ociArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'arm64' ? 'arm64' : process.arch;
}
