import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, DEFAULT_MULTI_POINT, parseConfiguration, pluginsFor } from './config.js';

const all = () => true;
const header = 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\n';

describe('scheduler configuration', () => {
  it("defaults to kube-scheduler 1.32's profile, weights and backoff", () => {
    const c = parseConfiguration(header);
    assert.equal(c.profiles.length, 1);
    assert.equal(c.profiles[0]?.schedulerName, 'default-scheduler');
    assert.equal(c.percentageOfNodesToScore, 0);
    assert.equal(c.podInitialBackoffSeconds, 1);
    assert.equal(c.podMaxBackoffSeconds, 10);
    const score = pluginsFor(c.profiles[0] as never, 'score', all);
    const weights = Object.fromEntries(score.map((p) => [p.name, p.weight]));
    assert.equal(weights.TaintToleration, 3);
    assert.equal(weights.NodeAffinity, 2);
    assert.equal(weights.PodTopologySpread, 2);
    assert.equal(weights.InterPodAffinity, 2);
    assert.equal(weights.NodeResourcesFit, 1);
    assert.equal(weights.NodeResourcesBalancedAllocation, 1);
    assert.equal(weights.ImageLocality, 1);
    assert.equal(DEFAULT_MULTI_POINT.at(-1)?.name, 'DefaultBinder');
  });

  it('merges per-point enabled and disabled over the defaults, * disabling them all', () => {
    const c = parseConfiguration(`${header}
percentageOfNodesToScore: 30
podInitialBackoffSeconds: 2
podMaxBackoffSeconds: 20
profiles:
  - schedulerName: default-scheduler
    plugins:
      score:
        enabled: [{ name: NodeResourcesFit, weight: 5 }]
        disabled: [{ name: ImageLocality }]
      filter:
        disabled: [{ name: '*' }]
        enabled: [{ name: NodeName }]
    pluginConfig:
      - name: NodeResourcesFit
        args: { scoringStrategy: { type: MostAllocated, resources: [{ name: cpu, weight: 1 }] } }
  - schedulerName: gpu-scheduler
`);
    assert.equal(c.percentageOfNodesToScore, 30);
    assert.equal(c.podMaxBackoffSeconds, 20);
    const p = c.profiles[0] as never;
    const score = pluginsFor(p, 'score', all);
    assert.equal(score.find((s) => s.name === 'NodeResourcesFit')?.weight, 5);
    assert.equal(score.filter((s) => s.name === 'NodeResourcesFit').length, 1);
    assert.equal(
      score.some((s) => s.name === 'ImageLocality'),
      false,
    );
    assert.deepEqual(
      pluginsFor(p, 'filter', all).map((s) => s.name),
      ['NodeName'],
    );
    assert.deepEqual(c.profiles[0]?.pluginConfig.get('NodeResourcesFit'), {
      scoringStrategy: { type: 'MostAllocated', resources: [{ name: 'cpu', weight: 1 }] },
    });
    assert.equal(c.profiles[1]?.schedulerName, 'gpu-scheduler');
  });

  it('names the bad field', () => {
    const bad: [string, RegExp][] = [
      ['apiVersion: v1\n', /^apiVersion: must be "kubescheduler.config.k8s.io\/v1"/],
      [`${header}percentageOfNodesToScore: 150\n`, /^percentageOfNodesToScore: must be an integer from 0/],
      [
        `${header}podInitialBackoffSeconds: 5\npodMaxBackoffSeconds: 2\n`,
        /^podMaxBackoffSeconds: must be at least/,
      ],
      [`${header}profiles: []\n`, /^profiles: must list at least one profile/],
      [
        `${header}profiles:\n  - schedulerName: a\n    plugins:\n      score:\n        enabled: [{ name: X, weight: 0 }]\n`,
        /^profiles\[0\]\.plugins\.score\.enabled\[0\]\.weight: must be an integer from 1 to 100/,
      ],
      [
        `${header}profiles:\n  - schedulerName: a\n    plugins:\n      filter:\n        enabled: [{ name: X, weight: 2 }]\n`,
        /^profiles\[0\]\.plugins\.filter\.enabled\[0\]\.weight: only score/,
      ],
      [
        `${header}profiles:\n  - schedulerName: a\n    plugins:\n      filtre: {}\n`,
        /^profiles\[0\]\.plugins\.filtre: unknown field/,
      ],
      [
        `${header}profiles:\n  - schedulerName: a\n  - schedulerName: a\n`,
        /^profiles\[1\]\.schedulerName: "a" is used by an earlier profile/,
      ],
      [
        `${header}profiles:\n  - pluginConfig:\n      - name: NodeResourcesFit\n        args: { scoringStrategy: { type: Fewest } }\n`,
        /^profiles\[0\]\.pluginConfig\[0\]\.args\.scoringStrategy\.type: must be one of LeastAllocated, MostAllocated/,
      ],
      [`${header}profile: []\n`, /^profile: unknown field/],
    ];
    for (const [text, re] of bad) {
      assert.throws(
        () => parseConfiguration(text),
        (err: unknown) => err instanceof ConfigError && re.test(err.message),
        text,
      );
    }
  });
});
