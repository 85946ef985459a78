/**
 * Clients given two apiservers keep working when one is SIGKILLed: an informer-based
 * client (its cache ends up with every acknowledged write, each seen once) and whctl,
 * both with a client config that lists both endpoints.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { status } from '@grpc/grpc-js';
import { type Clientset, createClientset } from '../../sdk/client/typed-client.js';
import { ConfigMap } from '../../sdk/gen/wheelhouse/core/v1/config_map.js';
import { listWatchOf } from '../../sdk/informers/list-watch.js';
import { SharedInformer } from '../../sdk/informers/shared-informer.js';
import { kinds } from '../../sdk/kinds.js';
import { type HaCluster, startHaCluster } from './ha-cluster.js';
import { eventually } from './processes.js';

const run = promisify(execFile);
const whctlBin = new URL('../../bin/whctl.js', import.meta.url).pathname;

describe('clients fail over between apiservers', () => {
  let cluster: HaCluster;
  let clients: Clientset;
  let config: string;

  before(async () => {
    cluster = await startHaCluster({ apiservers: 2 });
    clients = createClientset(cluster.admin, { component: 'ha-test' });
    config = cluster.writeConfig('admin-both', cluster.pki.admin);
  });
  after(async () => {
    clients?.close();
    await cluster?.stop();
  });

  const whctl = async (...args: string[]) =>
    (await run(process.execPath, [whctlBin, '--config', config, ...args], { timeout: 60_000 })).stdout;

  it('keeps an informer and a writer going through the SIGKILL of either apiserver', async () => {
    const info = kinds.find((k) => k.kind === 'ConfigMap')!;
    const informer = new SharedInformer<ConfigMap>(
      listWatchOf<ConfigMap>(clients.api, info, { namespace: 'failover' }),
      { name: 'failover configmaps' },
    );
    const adds = new Map<string, number>();
    const updates: string[] = [];
    informer.addEventHandler({
      onAdd: (cm) => adds.set(cm.metadata?.name ?? '', (adds.get(cm.metadata?.name ?? '') ?? 0) + 1),
      onUpdate: (_old, cm) => updates.push(cm.metadata?.name ?? ''),
    });
    const stop = new AbortController();
    const running = informer.run(stop.signal);
    try {
      assert.ok(await informer.waitForSync(stop.signal));
      await whctl('create', 'namespace', 'failover');
      const acknowledged: string[] = [];
      const failures: string[] = [];
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const name = `cm-${i}`;
          try {
            await clients
              .kind<ConfigMap>('ConfigMap')
              .create(
                ConfigMap.fromPartial({ metadata: { name, namespace: 'failover' }, data: { i: String(i) } }),
              );
            acknowledged.push(name);
          } catch (err) {
            const code = (err as { code?: number }).code;
            failures.push(
              `${name}: ${code === undefined ? '' : `${status[code]}: `}${(err as Error).message}`,
            );
          }
        }
      })();
      const atLeast = (n: number) => eventually(`${n} writes`, () => acknowledged.length >= n || undefined);
      await atLeast(20);
      // The first endpoint, which the clients prefer, dies mid-stream.
      await cluster.apiservers[0]!.process.stop('SIGKILL');
      const killedAt = acknowledged.length;
      await atLeast(killedAt + 20);
      assert.match(await whctl('get', 'configmaps', '-n', 'failover', '-o', 'name'), /configmap\/cm-0\n/);
      await whctl('create', 'configmap', 'from-whctl', '-n', 'failover', '--from-literal', 'k=v');
      // Back, and then the other one dies: the clients move back.
      await cluster.apiservers[0]!.restart();
      await cluster.apiservers[1]!.process.stop('SIGKILL');
      const secondKill = acknowledged.length;
      await atLeast(secondKill + 20);
      assert.match(
        await whctl('get', 'configmap', 'from-whctl', '-n', 'failover', '-o', 'name'),
        /from-whctl/,
      );
      writing = false;
      await writer;
      // Only the create in flight at each kill may fail (it may or may not have been
      // stored: a write that left is not sent again); every other one fails over.
      assert.ok(failures.length <= 2, `failed writes: ${failures.join('; ')}`);
      // The gRPC code says so whatever the transport's words (a reset, a dropped connection).
      for (const f of failures) assert.match(f, /: (UNAVAILABLE|ALREADY_EXISTS): /, f);
      await eventually(
        'the informer to hold every acknowledged write',
        () => acknowledged.every((n) => informer.indexer.get(`failover/${n}`) !== undefined) || undefined,
      );
      const twice = [...adds].filter(([, n]) => n > 1).map(([name]) => name);
      assert.deepEqual(twice, [], 'objects the informer was handed as added more than once');
      assert.deepEqual(updates, [], 'no object changed, yet the informer handed out updates');
      await cluster.apiservers[1]!.restart();
    } finally {
      stop.abort();
      await running.catch(() => {});
    }
  });
});
