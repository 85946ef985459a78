import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Pod } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import {
  CreatePodResponse,
  PodServiceService as PodService,
} from '../../sdk/gen/wheelhouse/core/v1/pod_service.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { keepStoredBytes } from '../storage/stored-bytes.js';
import { kindService, kindServiceDefinition } from './kind-service.js';
import type { RequestGate } from './request.js';

describe('kindService', () => {
  it("implements every method of each kind's service definition, and nothing else", () => {
    for (const info of kinds) {
      const registry = { info } as unknown as GenericRegistry<KindObject>;
      const impl = kindService(registry, {} as RequestGate);
      assert.deepEqual(Object.keys(impl).sort(), Object.keys(kindServiceDefinition(info)).sort(), info.kind);
    }
  });
});

describe('kindServiceDefinition', () => {
  const info = kinds.find((k) => k.kind === 'Pod')!;
  const written = () => {
    const pod = Pod.fromPartial({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web-1', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'c', image: 'nginx' }] },
    });
    keepStoredBytes(pod, Pod.encode(pod).finish());
    pod.metadata!.resourceVersion = '41';
    return pod;
  };

  it('answers a write with the object made of its stored bytes, as encoding it would', () => {
    const definition = kindServiceDefinition(info);
    for (const method of ['createPod', 'updatePod', 'updatePodStatus', 'patchPod']) {
      const pod = written();
      const expected = (
        PodService[method as keyof typeof PodService].responseSerialize as (value: unknown) => Buffer
      )({
        pod,
      });
      // A change the stored bytes do not have shows which of the two made the answer.
      pod.metadata!.labels = { app: 'changed' };
      const answer = definition[method]!.responseSerialize({ pod });
      assert.deepEqual(answer, expected, method);
      // The bytes are used once: the next answer encodes the object as it is.
      const again = CreatePodResponse.decode(definition[method]!.responseSerialize({ pod }));
      assert.deepEqual(again.pod?.metadata?.labels, { app: 'changed' }, method);
    }
  });

  it('encodes a response that holds more than the object', () => {
    const pod = written();
    pod.metadata!.labels = { app: 'changed' };
    const answer = kindServiceDefinition(info).createPod!.responseSerialize({ pod, extra: true });
    assert.deepEqual(CreatePodResponse.decode(answer).pod?.metadata?.labels, { app: 'changed' });
  });
});
