import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CronJob } from '../../../sdk/gen/wheelhouse/batch/v1/cron_job.js';
import { ctx, fromYaml, messages } from '../testing.js';
import { cronJobStrategy } from './strategy.js';

const strategy = cronJobStrategy();

function created(): CronJob {
  const cj = fromYaml<CronJob>(`
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello, namespace: default}
spec:
  schedule: "*/5 * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{name: hello, image: busybox:1.28, command: [date]}]
          restartPolicy: OnFailure
`);
  strategy.applyDefaults(cj);
  strategy.prepareForCreate(cj, ctx);
  return cj;
}

describe('CronJob', () => {
  it('defaults as Kubernetes and accepts the example', () => {
    const spec = created().spec!;
    assert.equal(spec.concurrencyPolicy, 'Allow');
    assert.equal(spec.suspend, false);
    assert.equal(spec.successfulJobsHistoryLimit, 3);
    assert.equal(spec.failedJobsHistoryLimit, 1);
    assert.equal(spec.jobTemplate?.spec?.template?.spec?.dnsPolicy, 'ClusterFirst');
    assert.deepEqual(messages(strategy.validate(created(), ctx)), []);
  });

  const cases: [string, (cj: CronJob) => void, string[]][] = [
    [
      'a TZ in the schedule',
      (cj) => (cj.spec!.schedule = 'CRON_TZ=UTC 0 * * * *'),
      [
        'spec.schedule: Invalid value: "CRON_TZ=UTC 0 * * * *": cannot use TZ or CRON_TZ in schedule, use timeZone field instead',
      ],
    ],
    ['an empty schedule', (cj) => (cj.spec!.schedule = ''), ['spec.schedule: Required value']],
    [
      'an unknown time zone',
      (cj) => (cj.spec!.timeZone = 'Europe/Atlantis'),
      ['spec.timeZone: Invalid value: "Europe/Atlantis": unknown time zone Europe/Atlantis'],
    ],
    [
      'the Local time zone',
      (cj) => (cj.spec!.timeZone = 'Local'),
      ['spec.timeZone: Invalid value: "Local": unknown time zone Local'],
    ],
    [
      'an unknown concurrency policy',
      (cj) => (cj.spec!.concurrencyPolicy = 'Sometimes'),
      [
        'spec.concurrencyPolicy: Unsupported value: "Sometimes": supported values: "Allow", "Forbid", "Replace"',
      ],
    ],
    [
      'a negative deadline',
      (cj) => (cj.spec!.startingDeadlineSeconds = '-1'),
      ['spec.startingDeadlineSeconds: Invalid value: -1: must be greater than or equal to 0'],
    ],
    [
      'a template that restarts Always',
      (cj) => (cj.spec!.jobTemplate!.spec!.template!.spec!.restartPolicy = 'Always'),
      [
        'spec.jobTemplate.spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"',
      ],
    ],
    [
      'a name too long for its Jobs',
      (cj) => (cj.metadata!.name = 'x'.repeat(53)),
      [`metadata.name: Invalid value: "${'x'.repeat(53)}": must be no more than 52 characters`],
    ],
  ];
  for (const [name, mutate, expected] of cases) {
    it(`refuses ${name}`, () => {
      const cj = created();
      mutate(cj);
      assert.deepEqual(messages(strategy.validate(cj, ctx)), expected);
    });
  }

  it('accepts a known IANA zone', () => {
    const cj = created();
    cj.spec!.timeZone = 'America/New_York';
    assert.deepEqual(messages(strategy.validate(cj, ctx)), []);
  });
});
