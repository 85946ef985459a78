import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Containerd, containerdUnavailable, startContainerd } from '../../../test/containerd.js';
import { outcome } from '../../../test/outcome.js';
import { describeRuntimeConformance } from '../runtime-conformance.js';
import { createCriRuntime, criTarget } from './cri-runtime.js';

const unavailable = containerdUnavailable();
if (unavailable && process.env.CI === 'true')
  throw new Error(`containerd must run in CI, but cannot: ${unavailable}`);

describe('cri runtime', () => {
  it('takes unix endpoints and refuses others with a fix', async () => {
    assert.equal(
      criTarget('unix:///run/containerd/containerd.sock'),
      'unix:///run/containerd/containerd.sock',
    );
    assert.equal(criTarget('/run/x.sock'), 'unix:///run/x.sock');
    assert.throws(() => criTarget('tcp://127.0.0.1:1'), /give it as unix:\/\/\/path/);
  });

  it('reports UNAVAILABLE when no runtime listens', async () => {
    const rt = createCriRuntime({ endpoint: 'unix:///tmp/no-such-runtime.sock', timeoutMs: 2000 });
    const result = await outcome(rt.version({ version: 'v1' }));
    assert.ok(['UNAVAILABLE', 'DEADLINE_EXCEEDED'].includes(result.code), result.code);
    await rt.close();
  });
});

if (unavailable) {
  describe('cri runtime against containerd', { skip: `containerd cannot run here: ${unavailable}` }, () => {
    it('runs the conformance suite', () => {});
  });
} else {
  let containerd: Containerd | undefined;
  describeRuntimeConformance('cri runtime against containerd', {
    get image() {
      return containerd?.busybox ?? '';
    },
    execOutlivesCaller:
      "containerd's streaming server leaves an exec running when its client goes away; CRI has no call to kill it",
    get missingImage() {
      return `${containerd?.registry ?? '127.0.0.1:1'}/no-such-image:1.0`;
    },
    async start() {
      containerd = await startContainerd();
      return createCriRuntime({ endpoint: containerd.endpoint });
    },
    async stop() {
      await containerd?.stop();
    },
  });
}
