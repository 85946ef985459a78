/**
 * Exec end to end through a kubelet process on a real containerd (exec-end-to-end.ts),
 * where exec gets a terminal. Skipped only where containerd cannot run; in CI it must.
 */
import { describe } from 'node:test';
import { type Containerd, containerdUnavailable, startContainerd } from '../test/containerd.js';
import { describeExec } from './exec-end-to-end.js';

const unavailable = containerdUnavailable();
if (unavailable && process.env.CI === 'true')
  throw new Error(`containerd must run in CI, but cannot: ${unavailable}`);

if (unavailable) {
  describe('exec into a pod the kubelet runs on containerd', {
    skip: `containerd cannot run here: ${unavailable}`,
  }, () => {});
} else {
  let containerd: Containerd | undefined;
  describeExec('containerd', {
    async start() {
      containerd = await startContainerd();
      return {
        kubeletArgs: ['--container-runtime-endpoint', containerd.endpoint],
        image: containerd.busybox,
      };
    },
    async stop() {
      await containerd?.stop();
    },
    tty: true,
  });
}
