/**
 * `npm run bench:kubelet`: pod startup latency through one kubelet on the process runtime
 * — 100 pods created at 10 pods/s, each timed from its create to Running with every
 * container started (seen through the status, polled every 50 ms) — p50 and p99, and the
 * kubelet's resident memory and CPU time with the 100 pods running.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubeletComponent, LOOPBACK, nodeArgs } from '../cli/up/components.js';
import { createClientset } from '../sdk/client/typed-client.js';
import { writeClientConfig } from '../sdk/client-config.js';
import { Pod } from '../sdk/gen/wheelhouse/core/v1/pod.js';
import { startCluster } from '../test/cluster.js';

const count = Number(process.env.PODS ?? '100');
const entry = join(new URL('..', import.meta.url).pathname, 'bin/wheelhouse.js');
const cluster = await startCluster();
const kubeconfig = join(cluster.dir, 'kubelet-node-1.yaml');
const cert = cluster.pki.kubelets['node-1']?.client;
if (!cert) throw new Error('no kubelet certificate');
writeClientConfig(kubeconfig, {
  server: cluster.apiserver,
  certificateAuthority: cluster.pki.caFile,
  clientCertificate: cert.certFile,
  clientKey: cert.keyFile,
});
const spec = kubeletComponent(
  {
    dataDir: cluster.dir,
    pki: cluster.pki,
    host: LOOPBACK,
    storePort: 0,
    apiserverPort: 0,
    storeMetricsPort: 0,
  },
  { name: 'node-1', kubeconfig, kubeletPort: 0, healthPort: 0 },
);
const kubelet = spawn(process.execPath, nodeArgs(spec, entry), {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, WHEELHOUSE_LOG_LEVEL: 'warn' },
});
await new Promise<void>((resolve) =>
  kubelet.stdout?.on('data', (d: Buffer) => d.toString().includes('registered') && resolve()),
);
const clients = createClientset(cluster.admin, { component: 'bench' });
const pods = clients.kind<Pod>('Pod');
const created = new Map<string, number>();
const latencies: number[] = [];
try {
  for (let i = 0; i < count; i++) {
    const name = `bench-${i}`;
    created.set(name, Date.now());
    void pods.create(
      Pod.fromPartial({
        metadata: { name, namespace: 'default' },
        spec: {
          nodeName: 'node-1',
          containers: [
            { name: 'c', image: 'sh', imagePullPolicy: 'IfNotPresent', command: ['sleep', '600'] },
          ],
        },
      }),
    );
    await new Promise((r) => setTimeout(r, 100));
  }
  const seen = new Set<string>();
  const deadline = Date.now() + 120_000;
  while (seen.size < count && Date.now() < deadline) {
    for (const p of (await pods.list('default')).items) {
      const name = p.metadata?.name ?? '';
      if (seen.has(name)) continue;
      const started =
        p.status?.phase === 'Running' && p.status.containerStatuses.every((c) => c.started === true);
      if (started) {
        seen.add(name);
        latencies.push(Date.now() - (created.get(name) ?? Date.now()));
      }
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  latencies.sort((a, b) => a - b);
  const q = (f: number) =>
    latencies[Math.min(latencies.length - 1, Math.floor(f * latencies.length))] ?? Number.NaN;
  const stat = readFileSync(`/proc/${kubelet.pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  const rssKb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${kubelet.pid}/status`, 'utf8'))?.[1];
  const cpuSeconds = (Number(stat[11]) + Number(stat[12])) / 100;
  process.stdout.write(
    `pods running: ${seen.size}/${count}\nstartup latency p50 ${q(0.5)} ms, p99 ${q(0.99)} ms (created → Running, polled every 50 ms)\nkubelet RSS ${Math.round(Number(rssKb) / 1024)} MiB, CPU ${cpuSeconds.toFixed(1)} s so far\n`,
  );
} finally {
  for (let i = 0; i < count; i++)
    await pods.delete('default', `bench-${i}`, { gracePeriodSeconds: '0' }).catch(() => undefined);
  await new Promise((r) => setTimeout(r, 3_000));
  kubelet.kill('SIGTERM');
  clients.close();
  await cluster.stop();
}
