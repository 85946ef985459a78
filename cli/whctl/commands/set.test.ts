import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveResource } from '../../../sdk/kinds.js';
import { UsageError } from '../usage-error.js';
import { imagePatch, parseImageArgs } from './set.js';

function kind(name: string) {
  const info = resolveResource(name);
  if (!info) throw new Error(`no kind ${name}`);
  return info;
}

const podSpec = {
  initContainers: [{ name: 'init', image: 'busybox:1' }],
  containers: [
    { name: 'main', image: 'nginx:1.27' },
    { name: 'sidecar', image: 'envoy:1' },
  ],
};

test('set image arguments: resources first, then CONTAINER=IMAGE', () => {
  const { resources, images } = parseImageArgs(['deploy/web', 'main=nginx:1.28', '*=x']);
  assert.deepEqual(resources, ['deploy/web']);
  assert.deepEqual(
    [...images],
    [
      ['main', 'nginx:1.28'],
      ['*', 'x'],
    ],
  );
  assert.throws(() => parseImageArgs(['deploy/web']), /at least one image update is required/);
  assert.throws(() => parseImageArgs(['pods', 'main=x', 'web']), UsageError);
  assert.throws(() => parseImageArgs(['pod/web', 'main=']), /invalid image update: main=/);
});

test('only the containers whose image changes are patched, by name, where each kind keeps them', () => {
  const pod = { metadata: { name: 'web' }, spec: podSpec };
  assert.deepEqual(imagePatch(kind('pods'), pod, new Map([['main', 'nginx:1.28']])), {
    spec: { containers: [{ name: 'main', image: 'nginx:1.28' }] },
  });
  assert.deepEqual(
    imagePatch(kind('pods'), pod, new Map([['main', 'nginx:1.27']])),
    {},
    'no change, no patch',
  );

  const cronJob = {
    metadata: { name: 'c' },
    spec: { jobTemplate: { spec: { template: { spec: podSpec } } } },
  };
  assert.deepEqual(imagePatch(kind('cronjobs'), cronJob, new Map([['init', 'busybox:2']])), {
    spec: {
      jobTemplate: {
        spec: { template: { spec: { initContainers: [{ name: 'init', image: 'busybox:2' }] } } },
      },
    },
  });

  const deployment = { metadata: { name: 'd' }, spec: { template: { spec: podSpec } } };
  assert.deepEqual(imagePatch(kind('deployments'), deployment, new Map([['*', 'envoy:1']])), {
    spec: {
      template: {
        spec: {
          initContainers: [{ name: 'init', image: 'envoy:1' }],
          containers: [{ name: 'main', image: 'envoy:1' }],
        },
      },
    },
  });
  // A named container wins over `*`.
  assert.deepEqual(
    imagePatch(
      kind('deployments'),
      deployment,
      new Map([
        ['*', 'a:1'],
        ['sidecar', 'envoy:1'],
      ]),
    ).spec,
    {
      template: {
        spec: {
          initContainers: [{ name: 'init', image: 'a:1' }],
          containers: [{ name: 'main', image: 'a:1' }],
        },
      },
    },
  );
});

test('an unknown container or a kind without pods is an error', () => {
  const pod = { metadata: { name: 'web' }, spec: podSpec };
  assert.throws(
    () => imagePatch(kind('pods'), pod, new Map([['nope', 'x']])),
    /^Error: unable to find container named "nope" in pod\/web$/,
  );
  assert.throws(
    () => imagePatch(kind('configmaps'), { metadata: { name: 'c' } }, new Map([['*', 'x']])),
    /configmap\/c: the object is not a pod and has no pod template/,
  );
});
