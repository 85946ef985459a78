/**
 * The EndpointSlice controller in the test's process, against a real store and apiserver,
 * with its EndpointSlice watch held back: syncs that run before the controller's own
 * writes reach its cache must wait for them rather than create the slices again.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { Node } from '../../sdk/gen/wheelhouse/core/v1/node.js';
import { Pod, PodStatus } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { Service } from '../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import { type InProcessControllers, runControllerInProcess, useCluster, waitFor } from '../shared/testing.js';
import { runEndpointSliceController } from './endpoint-slice-controller.js';

const LAG_MS = 1_500;

/** The API client with every message of the watches of `kind` delivered `ms` late. */
function lagging(kind: string, ms: number) {
  return (api: ApiClient): ApiClient => ({
    ...api,
    watchMessages(info, namespace, options, signal) {
      const inner = api.watchMessages(info, namespace, options, signal);
      if (info.kind !== kind) return inner;
      return (async function* () {
        for await (const message of inner) {
          await new Promise((r) => setTimeout(r, ms));
          yield message;
        }
      })();
    },
  });
}

/** The value of one series of a counter of the controllers' metrics. */
async function series(controllers: InProcessControllers, name: string, label: string, value: string) {
  const metric = await controllers.registry.getSingleMetric(name)?.get();
  return metric?.values.find((v) => v.labels[label] === value)?.value ?? 0;
}

describe('endpointslice controller with a lagging slice cache', { timeout: 60_000 }, () => {
  const suite = useCluster({
    prepare: ({ admin }) =>
      admin.kind<Node>('Node').create(Node.fromPartial({ metadata: { name: 'node-a' } })),
  });

  test('no slice is created twice, and a sync with nothing to change writes nothing', async () => {
    const controllers = runControllerInProcess(
      suite.cluster,
      (ctx) =>
        runEndpointSliceController(
          {
            informers: ctx.informers,
            clients: ctx.clients,
            events: ctx.events,
            logger: ctx.logger,
            registry: ctx.registry,
            workers: 5,
            // Small slices, so that five Pods need three of them.
            maxEndpointsPerSlice: 2,
            batchPeriodMs: 0,
          },
          ctx.signal,
        ),
      { wrap: lagging('EndpointSlice', LAG_MS) },
    );
    try {
      const services = suite.admin.kind<Service>('Service');
      const pods = suite.admin.kind<Pod>('Pod');
      await services.create(
        Service.fromPartial({
          apiVersion: 'v1',
          kind: 'Service',
          metadata: { name: 'lag', namespace: 'default' },
          spec: { selector: { app: 'lag' }, ports: [{ name: 'http', port: 80 }] },
        }),
      );
      // One Pod after the other, each a sync while the previous write is still on its way.
      for (let i = 1; i <= 5; i++) {
        const pod = await pods.create(
          Pod.fromPartial({
            apiVersion: 'v1',
            kind: 'Pod',
            metadata: { name: `lag-${i}`, namespace: 'default', labels: { app: 'lag' } },
            spec: { nodeName: 'node-a', containers: [{ name: 'app', image: 'nginx:1.27' }] },
          }),
        );
        await pods.updateStatus({
          ...pod,
          status: PodStatus.fromPartial({
            phase: 'Running',
            podIp: `10.244.9.${i}`,
            conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date() }],
          }),
        });
      }
      const slicesApi = suite.admin.kind<EndpointSlice>('EndpointSlice');
      const list = async () =>
        (await slicesApi.list('default', { labelSelector: 'kubernetes.io/service-name=lag' })).items;
      const podsListed = (s: EndpointSlice[]) => s.flatMap((x) => x.endpoints.map((e) => e.targetRef?.name));
      const slices = await waitFor(
        'every Pod in a slice',
        async () => {
          const s = await list();
          return new Set(podsListed(s)).size === 5 ? s : undefined;
        },
        { timeoutMs: 30_000 },
      );
      // Settled: nothing more is written once the lagging cache has caught up.
      await new Promise((r) => setTimeout(r, 2 * LAG_MS));
      const settled = await list();
      assert.deepEqual(
        settled.map((s) => s.metadata?.resourceVersion).sort(),
        slices.map((s) => s.metadata?.resourceVersion).sort(),
      );
      assert.deepEqual(
        podsListed(settled).sort(),
        ['lag-1', 'lag-2', 'lag-3', 'lag-4', 'lag-5'],
        'each Pod once',
      );
      assert.equal(settled.length, 3);
      assert.equal(await series(controllers, 'endpoint_slice_controller_changes', 'operation', 'create'), 3);
      assert.ok(
        (await series(controllers, 'endpoint_slice_controller_syncs', 'result', 'stale')) > 0,
        'some sync found the cache behind and waited',
      );

      // A Service change that changes no slice: a sync, and no write.
      const writes = await controllers.counter('endpoint_slice_controller_changes');
      const synced = await series(controllers, 'endpoint_slice_controller_syncs', 'result', 'success');
      const svc = await services.get('default', 'lag');
      await services.update({ ...svc, metadata: { ...svc.metadata!, annotations: { note: 'x' } } });
      await waitFor('another sync', async () =>
        (await series(controllers, 'endpoint_slice_controller_syncs', 'result', 'success')) > synced
          ? true
          : undefined,
      );
      assert.equal(await controllers.counter('endpoint_slice_controller_changes'), writes);
    } finally {
      await controllers.stop();
    }
  });
});
