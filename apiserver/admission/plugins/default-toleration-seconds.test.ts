import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { fromYaml } from '../../kinds/testing.js';
import { defaultTolerationSeconds } from './default-toleration-seconds.js';
import { attrsFor } from './testing.js';

const pod = (tolerations = '') =>
  fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: default}
spec:
  containers: [{name: a, image: nginx}]
${tolerations}`);

describe('DefaultTolerationSeconds', () => {
  it('adds five-minute NoExecute tolerations for not-ready and unreachable nodes', async () => {
    const p = pod();
    await defaultTolerationSeconds().admit?.(attrsFor('CREATE', p));
    assert.deepEqual(
      p.spec?.tolerations.map((t) => [t.key, t.operator, t.effect, t.tolerationSeconds]),
      [
        ['node.kubernetes.io/not-ready', 'Exists', 'NoExecute', '300'],
        ['node.kubernetes.io/unreachable', 'Exists', 'NoExecute', '300'],
      ],
    );
  });

  it('keeps a toleration the pod has and adds only the missing one', async () => {
    const p = pod(`  tolerations:
  - {key: node.kubernetes.io/not-ready, operator: Exists, effect: NoExecute, tolerationSeconds: 10}`);
    await defaultTolerationSeconds().admit?.(attrsFor('CREATE', p));
    assert.deepEqual(
      p.spec?.tolerations.map((t) => [t.key, t.tolerationSeconds]),
      [
        ['node.kubernetes.io/not-ready', '10'],
        ['node.kubernetes.io/unreachable', '300'],
      ],
    );
  });

  it('adds nothing when the pod tolerates every taint', async () => {
    const p = pod('  tolerations: [{operator: Exists}]');
    await defaultTolerationSeconds().admit?.(attrsFor('CREATE', p));
    assert.equal(p.spec?.tolerations.length, 1);
  });
});
