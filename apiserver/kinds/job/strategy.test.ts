import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Job } from '../../../sdk/gen/wheelhouse/batch/v1/job.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { jobStrategy } from './strategy.js';

const strategy = jobStrategy();
const uid = '7f3c2a10-0000-4000-8000-000000000001';

function created(extra = ''): Job {
  const job = fromYaml<Job>(`
apiVersion: batch/v1
kind: Job
metadata: {name: pi, namespace: default}
spec:
${extra}
  template:
    metadata:
      labels: {app: pi}
    spec:
      containers: [{name: pi, image: "perl:5.34.0", command: [perl, -e, "print 1"]}]
      restartPolicy: Never
`);
  job.metadata!.uid = uid;
  strategy.applyDefaults(job);
  strategy.prepareForCreate(job, ctx);
  return job;
}

describe('Job', () => {
  it('defaults completions, parallelism, backoffLimit and mode, and copies the template labels', () => {
    const job = created();
    assert.equal(job.spec?.completions, 1);
    assert.equal(job.spec?.parallelism, 1);
    assert.equal(job.spec?.backoffLimit, 6);
    assert.equal(job.spec?.completionMode, 'NonIndexed');
    assert.equal(job.spec?.suspend, false);
    assert.deepEqual(job.metadata?.labels, { app: 'pi' });
    assert.deepEqual(job.spec?.selector?.matchLabels, { 'batch.kubernetes.io/controller-uid': uid });
    assert.equal(job.spec?.template?.metadata?.labels['batch.kubernetes.io/job-name'], 'pi');
    assert.deepEqual(messages(strategy.validate(job, ctx)), []);
  });

  it('leaves completions unset when only parallelism is given (a work queue)', () => {
    const job = created('  parallelism: 3');
    assert.equal(job.spec?.completions, undefined);
    assert.equal(job.spec?.parallelism, 3);
  });

  it('takes the selector as given with manualSelector', () => {
    const job = created('  manualSelector: true\n  selector: {matchLabels: {app: pi}}');
    assert.deepEqual(job.spec?.selector?.matchLabels, { app: 'pi' });
    assert.equal(job.spec?.template?.metadata?.labels['controller-uid'], undefined);
    assert.deepEqual(messages(strategy.validate(job, ctx)), []);
  });

  const cases: [string, string, (job: Job) => void, string[]][] = [
    [
      'Indexed without completions',
      '  completionMode: Indexed\n  parallelism: 2',
      () => {},
      ['spec.completions: Required value: when completion mode is Indexed'],
    ],
    [
      'backoffLimitPerIndex without Indexed',
      '  backoffLimitPerIndex: 1',
      () => {},
      ['spec.backoffLimitPerIndex: Forbidden: requires indexed completion mode'],
    ],
    [
      'maxFailedIndexes without backoffLimitPerIndex',
      '  completionMode: Indexed\n  completions: 3\n  maxFailedIndexes: 1',
      () => {},
      ['spec.maxFailedIndexes: Forbidden: cannot set maxFailedIndexes when backoffLimitPerIndex is null'],
    ],
    [
      'an unknown completion mode',
      '',
      (job) => (job.spec!.completionMode = 'Sometimes'),
      ['spec.completionMode: Unsupported value: "Sometimes": supported values: "Indexed", "NonIndexed"'],
    ],
    [
      'a negative backoffLimit',
      '',
      (job) => (job.spec!.backoffLimit = -1),
      ['spec.backoffLimit: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'Pods that restart Always',
      '',
      (job) => (job.spec!.template!.spec!.restartPolicy = 'Always'),
      [
        'spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
      ],
    ],
    [
      'a controller-uid that is not its own',
      '',
      (job) => (job.spec!.selector!.matchLabels['batch.kubernetes.io/controller-uid'] = 'other'),
      [
        `spec.selector.matchLabels[batch.kubernetes.io/controller-uid]: Invalid value: "other": must be '${uid}'`,
        'spec.template.metadata.labels: Invalid value:',
      ],
    ],
    [
      'a pod failure policy rule with neither matcher, and OnFailure',
      '  podFailurePolicy:\n    rules:\n    - action: FailJob',
      (job) => (job.spec!.template!.spec!.restartPolicy = 'OnFailure'),
      [
        'spec.template.spec.restartPolicy: Invalid value: "OnFailure": only "Never" is supported when podFailurePolicy is specified',
        'spec.podFailurePolicy.rules[0]: Invalid value: null: specifying one of OnExitCodes and OnPodConditions is required',
      ],
    ],
    [
      'exit code 0 with In',
      '  podFailurePolicy:\n    rules:\n    - action: FailJob\n      onExitCodes: {operator: In, values: [0, 42]}',
      () => {},
      [
        'spec.podFailurePolicy.rules[0].onExitCodes.values[0]: Invalid value: 0: must not be 0 for the In operator',
      ],
    ],
  ];
  for (const [name, extra, mutate, expected] of cases) {
    it(`refuses ${name}`, () => {
      const job = created(extra);
      mutate(job);
      const got = messages(strategy.validate(job, ctx));
      assert.equal(got.length, expected.length, JSON.stringify(got));
      for (const [i, want] of expected.entries()) {
        assert.ok(got[i]?.startsWith(want), `${got[i]} should start with ${want}`);
      }
    });
  }

  it('keeps the template and selector of a started Job; parallelism may change', () => {
    const old = created();
    const job = created();
    job.spec!.parallelism = 4;
    job.spec!.activeDeadlineSeconds = '60';
    assert.deepEqual(messages(strategy.validateUpdate(job, old, ctx)), []);
    job.spec!.template!.spec!.containers[0]!.image = 'perl:5.36';
    job.spec!.completions = 3;
    const got = messages(strategy.validateUpdate(job, old, ctx));
    assert.ok(
      got.some((m) => m.startsWith('spec.completions: Invalid value: 3: field is immutable')),
      JSON.stringify(got),
    );
    assert.ok(
      got.some((m) => m.startsWith('spec.template: Invalid value:')),
      JSON.stringify(got),
    );
  });

  it('lets a suspended Job that never started change its scheduling directives', () => {
    const old = created('  suspend: true');
    const job = created('  suspend: true');
    job.spec!.template!.spec!.nodeSelector = { zone: 'a' };
    assert.deepEqual(messages(strategy.validateUpdate(job, old, ctx)), []);
  });
});
