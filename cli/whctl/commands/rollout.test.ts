import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { rolloutStatus } from './rollout.js';

const d = (status: Partial<NonNullable<Deployment['status']>>, generation = '2') =>
  Deployment.fromPartial({
    metadata: { name: 'web', generation },
    spec: { replicas: 3 },
    status: { observedGeneration: '2', ...status },
  });

test('rollout status says what the rollout waits for, as kubectl does', () => {
  assert.equal(rolloutStatus(d({}, '3')).message, 'Waiting for deployment spec update to be observed...');
  assert.equal(
    rolloutStatus(d({ updatedReplicas: 1, replicas: 4 })).message,
    'Waiting for deployment "web" rollout to finish: 1 out of 3 new replicas have been updated...',
  );
  assert.equal(
    rolloutStatus(d({ updatedReplicas: 3, replicas: 4 })).message,
    'Waiting for deployment "web" rollout to finish: 1 old replicas are pending termination...',
  );
  assert.equal(
    rolloutStatus(d({ updatedReplicas: 3, replicas: 3, availableReplicas: 2 })).message,
    'Waiting for deployment "web" rollout to finish: 2 of 3 updated replicas are available...',
  );
  const done = rolloutStatus(d({ updatedReplicas: 3, replicas: 3, availableReplicas: 3 }));
  assert.deepEqual(done, { message: 'deployment "web" successfully rolled out', done: true, failed: false });
  const failed = rolloutStatus(
    d({
      conditions: [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded', message: '' }],
    }),
  );
  assert.equal(failed.failed, true);
  assert.match(failed.message, /exceeded its progress deadline/);
});
