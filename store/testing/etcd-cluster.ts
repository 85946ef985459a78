/**
 * A real etcd cluster for tests: Debian's etcd-server (3.4) members on free loopback
 * ports, data in a temp dir, members that can be killed and restarted, the leader
 * found through Maintenance/Status. Every member is killed when the cluster closes
 * or the test process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureCa, ensureCert } from '../../sdk/pki/index.js';
import { freePort } from '../../test/free-port.js';
import { EtcdClient, type EtcdTls } from '../drivers/etcd-client.js';
import { decodeStatus, emptyMessage } from '../drivers/etcd-wire.js';

export const ETCD_BINARY = '/usr/bin/etcd';

/**
 * Whether the etcd tests can run. Where CI is set they must: a missing etcd is then an
 * error (CI installs etcd-server), not a reason to skip.
 */
export function etcdAvailable(): boolean {
  if (existsSync(ETCD_BINARY)) return true;
  if (process.env.CI) throw new Error(`${ETCD_BINARY} is missing in CI: install Debian's etcd-server`);
  return false;
}

export interface EtcdMember {
  readonly name: string;
  /** host:port of its client URL. */
  readonly endpoint: string;
  readonly peerUrl: string;
  readonly dataDir: string;
  child: ChildProcess | undefined;
}

/** With `tls`, clients must present a certificate of `caFile`; `client` is one. */
export interface EtcdClusterTls {
  readonly caFile: string;
  readonly client: { readonly certFile: string; readonly keyFile: string };
}

export interface EtcdCluster {
  readonly members: readonly EtcdMember[];
  readonly endpoints: readonly string[];
  readonly tls: EtcdClusterTls | undefined;
  /** `etcd://` URL of the cluster with keys under `prefix` (and the client certificate with TLS). */
  url(prefix?: string): string;
  /** SIGKILLs (or signals) member `index` and waits until it has exited. */
  kill(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** Starts member `index` again on its data dir and waits until it answers. */
  restart(index: number): Promise<void>;
  /** The index of the member that is leader now; waits (up to `timeoutMs`) for one. */
  leader(timeoutMs?: number): Promise<number>;
  /** Resolves once every running member answers and agrees on a leader. */
  healthy(timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export async function startEtcdCluster(options: { size?: number; tls?: boolean } = {}): Promise<EtcdCluster> {
  const size = options.size ?? 3;
  const root = mkdtempSync(join(tmpdir(), 'etcd-cluster-'));
  let tls: EtcdClusterTls | undefined;
  let server: { certFile: string; keyFile: string } | undefined;
  if (options.tls) {
    const ca = ensureCa(root, 'etcd-ca');
    server = ensureCert(root, ca, 'etcd-server', {
      commonName: 'etcd',
      ipAddresses: ['127.0.0.1'],
      dnsNames: ['localhost'],
      usage: 'server',
    });
    const client = ensureCert(root, ca, 'etcd-client', { commonName: 'wheelhouse-store', usage: 'client' });
    tls = { caFile: ca.certFile, client };
  }
  const clientTls: EtcdTls | undefined = tls && {
    ca: readFileSync(tls.caFile),
    cert: readFileSync(tls.client.certFile),
    key: readFileSync(tls.client.keyFile),
  };
  const scheme = tls ? 'https' : 'http';
  const members: EtcdMember[] = [];
  for (let i = 0; i < size; i++) {
    members.push({
      name: `m${i}`,
      endpoint: `127.0.0.1:${await freePort()}`,
      peerUrl: `http://127.0.0.1:${await freePort()}`,
      dataDir: join(root, `m${i}`),
      child: undefined,
    });
  }
  const initialCluster = members.map((m) => `${m.name}=${m.peerUrl}`).join(',');
  let stderr = '';

  const launch = (member: EtcdMember) => {
    const child = spawn(
      ETCD_BINARY,
      [
        `--name=${member.name}`,
        `--data-dir=${member.dataDir}`,
        `--listen-client-urls=${scheme}://${member.endpoint}`,
        `--advertise-client-urls=${scheme}://${member.endpoint}`,
        ...(tls && server
          ? [
              `--cert-file=${server.certFile}`,
              `--key-file=${server.keyFile}`,
              `--trusted-ca-file=${tls.caFile}`,
              '--client-cert-auth',
            ]
          : []),
        `--listen-peer-urls=${member.peerUrl}`,
        `--initial-advertise-peer-urls=${member.peerUrl}`,
        `--initial-cluster=${initialCluster}`,
        '--initial-cluster-state=new',
        '--initial-cluster-token=wheelhouse-test',
        // The store's values may be 1.5 MiB; etcd's default request limit is exactly that.
        '--max-request-bytes=2097152',
        '--log-level=error',
        '--logger=zap',
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    child.stderr?.on('data', (chunk) => {
      stderr = (stderr + chunk).slice(-4000);
    });
    running.add(child);
    child.once('exit', () => running.delete(child));
    member.child = child;
  };

  const statusOf = async (member: EtcdMember) => {
    const client = new EtcdClient({
      endpoints: [member.endpoint],
      tls: clientTls,
      callTimeoutMs: 1000,
      retryBudgetMs: 0,
    });
    try {
      return decodeStatus(await client.call('/etcdserverpb.Maintenance/Status', emptyMessage, 'read'));
    } finally {
      client.close();
    }
  };

  const leader = async (timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (let i = 0; i < members.length; i++) {
        if (!members[i]!.child) continue;
        try {
          const status = await statusOf(members[i]!);
          if (status.leader !== 0n && status.leader === status.memberId) return i;
        } catch {}
      }
      if (Date.now() > deadline) throw new Error(`no etcd leader within ${timeoutMs} ms: ${stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };

  const healthy = async (timeoutMs = 15_000) => {
    const deadline = Date.now() + timeoutMs;
    for (const member of members) {
      if (!member.child) continue;
      for (;;) {
        if (member.child.exitCode !== null) {
          throw new Error(`etcd member ${member.name} exited with ${member.child.exitCode}: ${stderr}`);
        }
        try {
          if ((await statusOf(member)).leader !== 0n) break;
        } catch {}
        if (Date.now() > deadline) throw new Error(`etcd member ${member.name} is not healthy: ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  };

  const kill = async (index: number, signal: NodeJS.Signals = 'SIGKILL') => {
    const child = members[index]!.child;
    if (!child) return;
    members[index]!.child = undefined;
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill(signal);
      await exited;
    }
  };

  const cluster: EtcdCluster = {
    members,
    endpoints: members.map((m) => m.endpoint),
    tls,
    url: (prefix = '') => {
      const url = `etcd://${members.map((m) => m.endpoint).join(',')}${prefix}`;
      if (!tls) return url;
      return `${url}?${new URLSearchParams({ cacert: tls.caFile, cert: tls.client.certFile, key: tls.client.keyFile })}`;
    },
    kill,
    async restart(index) {
      launch(members[index]!);
      const deadline = Date.now() + 15_000;
      for (;;) {
        try {
          await statusOf(members[index]!);
          return;
        } catch (err) {
          if (members[index]!.child?.exitCode !== null || Date.now() > deadline) {
            throw new Error(`etcd member ${members[index]!.name} did not come back: ${err} ${stderr}`);
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
    },
    leader,
    healthy,
    async close() {
      await Promise.all(members.map((_, i) => kill(i)));
      rmSync(root, { recursive: true, force: true });
    },
  };

  try {
    for (const member of members) launch(member);
    await healthy();
  } catch (err) {
    await cluster.close();
    throw err;
  }
  return cluster;
}
