import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { NodeInfo, newPodInfo } from '../../framework/node-info.js';
import { pendingPod, readyNode } from '../../testing/scheduler-process.js';
import { balancedCpuMemory, balancedResourceScorer } from '../node-resources-balanced-allocation.js';
import { leastAllocatedCpuMemory, leastAllocatedScorer } from '../node-resources-fit.js';
import { DEFAULT_RESOURCES, isCpuThenMemory, scoreResourceAllocation } from './resource-allocation.js';

/** A small deterministic generator, so that a failure names a reproducible case. */
function lcg(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1_103_515_245 + 12_345) % 2 ** 31;
    return x / 2 ** 31;
  };
}

describe('scoring cpu and memory from the inline amounts', () => {
  it('chooses the direct path only for cpu then memory (weight 1 where weights count)', () => {
    assert.equal(isCpuThenMemory(DEFAULT_RESOURCES, true), true);
    assert.equal(
      isCpuThenMemory(
        [
          { name: 'cpu', weight: 2 },
          { name: 'memory', weight: 1 },
        ],
        true,
      ),
      false,
    );
    assert.equal(
      isCpuThenMemory(
        [
          { name: 'cpu', weight: 2 },
          { name: 'memory', weight: 1 },
        ],
        false,
      ),
      true,
    );
    assert.equal(
      isCpuThenMemory(
        [
          { name: 'memory', weight: 1 },
          { name: 'cpu', weight: 1 },
        ],
        false,
      ),
      false,
    );
    assert.equal(isCpuThenMemory([{ name: 'cpu', weight: 1 }], false), false);
  });

  it('scores as the generic lists do, for nodes full, empty, over-committed and without a resource', () => {
    const random = lcg(7);
    const cpus = ['0', '1', '2', '4', '250m'];
    const memories = ['0', '1Gi', '2Gi', '32Gi', '100Mi'];
    const requests = [
      {},
      { cpu: '100m' },
      { memory: '200Mi' },
      { cpu: '1500m', memory: '3Gi' },
      { cpu: '3' },
    ];
    let cases = 0;
    for (let n = 0; n < 400; n++) {
      const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)] as T;
      const ni = new NodeInfo(readyNode(`n-${n}`, { cpu: pick(cpus), memory: pick(memories) }));
      const pods = Math.floor(random() * 4);
      for (let i = 0; i < pods; i++)
        ni.addPod(newPodInfo(pendingPod(`p-${n}-${i}`, { namespace: 'default', ...pick(requests) })));
      const podCpu = pick([0, 100, 250, 4000, 100_000]);
      const podMemory = pick([0, 100 * 2 ** 20, 2 ** 30, 64 * 2 ** 30]);
      const list = [podCpu, podMemory];
      assert.equal(
        leastAllocatedCpuMemory(ni, podCpu, podMemory),
        scoreResourceAllocation(ni, DEFAULT_RESOURCES, list, false, leastAllocatedScorer(DEFAULT_RESOURCES)),
        `LeastAllocated, node ${n}`,
      );
      assert.equal(
        balancedCpuMemory(ni, podCpu, podMemory),
        scoreResourceAllocation(ni, DEFAULT_RESOURCES, list, true, balancedResourceScorer),
        `BalancedAllocation, node ${n}`,
      );
      cases++;
    }
    assert.equal(cases, 400);
  });
});
