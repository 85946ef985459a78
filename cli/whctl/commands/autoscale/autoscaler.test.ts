/**
 * The flags of `whctl autoscale` as kubectl checks them, and the HorizontalPodAutoscaler
 * built from them: kubectl's v1 object in autoscaling/v2 form.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { resolveResource } from '../../../../sdk/kinds.js';
import { UsageError } from '../../usage-error.js';
import { autoscaleOptionsOf, autoscalerFor, checkAutoscalable } from './autoscaler.js';

const kind = (name: string) => {
  const info = resolveResource(name);
  if (!info) throw new Error(`no kind ${name}`);
  return info;
};

describe('autoscale options', () => {
  it('--max alone: no min, no CPU target (the server defaults both)', () => {
    assert.deepEqual(autoscaleOptionsOf({ max: '5' }), { max: 5 });
  });

  it('--min above 0 and --cpu-percent from 0 are kept; kubectl leaves lower ones unset', () => {
    assert.deepEqual(autoscaleOptionsOf({ min: '2', max: '5', 'cpu-percent': '50', name: 'web-hpa' }), {
      name: 'web-hpa',
      min: 2,
      max: 5,
      cpuPercent: 50,
    });
    assert.deepEqual(autoscaleOptionsOf({ min: '0', max: '5', 'cpu-percent': '0' }), {
      max: 5,
      cpuPercent: 0,
    });
    assert.deepEqual(autoscaleOptionsOf({ min: '-1', max: '5', 'cpu-percent': '-1' }), { max: 5 });
    assert.deepEqual(autoscaleOptionsOf({ min: '5', max: '5' }), { min: 5, max: 5 });
    // An empty --name is no name, as kubectl takes it.
    assert.deepEqual(autoscaleOptionsOf({ max: '1', name: '' }), { max: 1 });
  });

  it("refuses what kubectl refuses, with kubectl's words", () => {
    assert.throws(
      () => autoscaleOptionsOf({ min: '2' }),
      (err: unknown) => err instanceof UsageError && err.message === 'required flag(s) "max" not set',
    );
    assert.throws(() => autoscaleOptionsOf({ max: '0' }), {
      message: '--max=MAXPODS is required and must be at least 1, max: 0',
    });
    assert.throws(() => autoscaleOptionsOf({ max: '-3' }), {
      message: '--max=MAXPODS is required and must be at least 1, max: -3',
    });
    assert.throws(() => autoscaleOptionsOf({ min: '6', max: '5' }), {
      message: '--max=MAXPODS must be larger or equal to --min=MINPODS, max: 5, min: 6',
    });
    assert.throws(() => autoscaleOptionsOf({ max: 'ten' }), {
      message: 'invalid argument "ten" for "--max" flag: strconv.ParseInt: parsing "ten": invalid syntax',
    });
    assert.throws(() => autoscaleOptionsOf({ max: '5', 'cpu-percent': '50%' }), {
      message:
        'invalid argument "50%" for "--cpu-percent" flag: strconv.ParseInt: parsing "50%": invalid syntax',
    });
    assert.throws(() => autoscaleOptionsOf({ max: '5', min: '2147483648' }), {
      message:
        'invalid argument "2147483648" for "--min" flag: strconv.ParseInt: parsing "2147483648": value out of range',
    });
  });
});

describe('the autoscaler built', () => {
  it('names the target (apps/v1) and itself after it, with the bounds and the CPU target', () => {
    assert.deepEqual(
      autoscalerFor({ info: kind('deploy'), name: 'web' }, { min: 1, max: 5, cpuPercent: 50 }),
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'web' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' },
          minReplicas: 1,
          maxReplicas: 5,
          metrics: [
            {
              type: 'Resource',
              resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } },
            },
          ],
        },
      },
    );
  });

  it('leaves out what the flags leave out; --name names the autoscaler only', () => {
    assert.deepEqual(
      autoscalerFor({ info: kind('statefulsets.apps'), name: 'db' }, { name: 'db-hpa', max: 3 }),
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'db-hpa' },
        spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db' }, maxReplicas: 3 },
      },
    );
  });

  it('is made for kinds with a scale subresource only, refused as kubectl refuses the others', () => {
    for (const name of ['deployments', 'rs', 'sts']) checkAutoscalable(kind(name));
    assert.throws(() => checkAutoscalable(kind('configmaps')), {
      message:
        'cannot autoscale a ConfigMap: could not find scale subresource for /v1, Resource=configmaps in discovery information',
    });
    assert.throws(() => checkAutoscalable(kind('ds')), {
      message:
        'cannot autoscale a DaemonSet: could not find scale subresource for apps/v1, Resource=daemonsets in discovery information',
    });
  });
});
