import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ctx, fromYaml, messages, paths } from '../testing.js';
import { defaultImagePullPolicy } from './defaults.js';
import { podStrategy } from './strategy.js';

const strategy = podStrategy();

/** A realistic Pod, as a user would apply it, before defaulting. */
function rawPod(): Pod {
  return fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata:
  name: web
  namespace: default
  labels: {app: web}
spec:
  volumes:
  - name: config
    configMap: {name: web-config}
  - name: cache
    emptyDir: {sizeLimit: 1Gi}
  initContainers:
  - name: migrate
    image: registry.example.com:5000/tools/migrate:2.1
    command: [migrate, up]
  containers:
  - name: web
    image: nginx:1.25
    ports:
    - {name: http, containerPort: 8080}
    env:
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MODE, value: production}
    resources:
      requests: {cpu: 100m, memory: 64Mi}
      limits: {cpu: 500m, memory: 128Mi}
    volumeMounts:
    - {name: config, mountPath: /etc/web}
    - {name: cache, mountPath: /var/cache/web}
    livenessProbe:
      httpGet: {path: /healthz, port: http}
    readinessProbe:
      tcpSocket: {port: 8080}
      successThreshold: 2
  - name: sidecar
    image: busybox
    args: [sleep, infinity]
    resources:
      limits: {cpu: 50m, memory: 32Mi}
  tolerations:
  - {key: dedicated, operator: Equal, value: web, effect: NoSchedule}
  nodeSelector: {disktype: ssd}
`);
}

/** The Pod after defaulting and prepareForCreate, as it would be stored. */
function createdPod(): Pod {
  const pod = rawPod();
  strategy.applyDefaults(pod);
  strategy.prepareForCreate(pod, ctx);
  return pod;
}

function validate(mutate: (pod: Pod) => void): string[] {
  const pod = rawPod();
  strategy.applyDefaults(pod);
  mutate(pod);
  return messages(strategy.validate(pod, ctx));
}

describe('Pod defaults', () => {
  it('fills in what Kubernetes fills in', () => {
    const pod = createdPod();
    const spec = pod.spec!;
    assert.equal(spec.restartPolicy, 'Always');
    assert.equal(spec.dnsPolicy, 'ClusterFirst');
    assert.equal(spec.schedulerName, 'default-scheduler');
    assert.equal(spec.terminationGracePeriodSeconds, '30');
    assert.equal(spec.serviceAccountName, 'default');
    assert.equal(spec.serviceAccount, 'default');
    assert.equal(spec.enableServiceLinks, true);
    // Set by the Priority admission plugin, not by defaulting.
    assert.equal(spec.priority, undefined);
    const [web, sidecar] = spec.containers;
    assert.equal(web?.imagePullPolicy, 'IfNotPresent');
    assert.equal(sidecar?.imagePullPolicy, 'Always');
    assert.equal(spec.initContainers[0]?.imagePullPolicy, 'IfNotPresent');
    assert.equal(web?.terminationMessagePath, '/dev/termination-log');
    assert.equal(web?.terminationMessagePolicy, 'File');
    assert.equal(web?.ports[0]?.protocol, 'TCP');
    assert.equal(web?.env[0]?.valueFrom?.fieldRef?.apiVersion, 'v1');
    assert.deepEqual(
      [
        web?.livenessProbe?.timeoutSeconds,
        web?.livenessProbe?.periodSeconds,
        web?.livenessProbe?.successThreshold,
        web?.livenessProbe?.failureThreshold,
      ],
      [1, 10, 1, 3],
    );
    assert.equal(web?.readinessProbe?.successThreshold, 2, 'a value that was set is kept');
    assert.equal(web?.livenessProbe?.httpGet?.scheme, 'HTTP');
    // Only limits were set: the requests are the limits.
    assert.deepEqual(sidecar?.resources?.requests, { cpu: '50m', memory: '32Mi' });
    assert.deepEqual(web?.resources?.requests, { cpu: '100m', memory: '64Mi' });
    assert.equal(spec.volumes[0]?.configMap?.defaultMode, 0o644);
  });

  it('starts Pending with a QoS class', () => {
    const pod = createdPod();
    assert.equal(pod.status?.phase, 'Pending');
    assert.equal(pod.status?.qosClass, 'Burstable');
  });

  it('classes a Pod without resources as BestEffort and one with requests = limits as Guaranteed', () => {
    const best = fromYaml<Pod>(
      '{apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: a, image: a}]}}',
    );
    strategy.applyDefaults(best);
    strategy.prepareForCreate(best, ctx);
    assert.equal(best.status?.qosClass, 'BestEffort');
    const guaranteed = fromYaml<Pod>(
      '{apiVersion: v1, kind: Pod, metadata: {name: a}, spec: {containers: [{name: a, image: a, resources: {limits: {cpu: "1", memory: 1Gi}}}]}}',
    );
    strategy.applyDefaults(guaranteed);
    strategy.prepareForCreate(guaranteed, ctx);
    assert.equal(guaranteed.status?.qosClass, 'Guaranteed');
  });

  it('chooses the image pull policy from the tag', () => {
    const cases: [string, string][] = [
      ['nginx', 'Always'],
      ['nginx:latest', 'Always'],
      ['nginx:1.25', 'IfNotPresent'],
      ['localhost:5000/app', 'Always'],
      ['localhost:5000/app:v2', 'IfNotPresent'],
      ['nginx@sha256:abcd', 'IfNotPresent'],
    ];
    for (const [image, policy] of cases) assert.equal(defaultImagePullPolicy(image), policy, image);
  });

  it('keeps what was set', () => {
    const pod = rawPod();
    pod.spec!.restartPolicy = 'Never';
    pod.spec!.terminationGracePeriodSeconds = '5';
    pod.spec!.containers[0]!.imagePullPolicy = 'Never';
    strategy.applyDefaults(pod);
    assert.equal(pod.spec!.restartPolicy, 'Never');
    assert.equal(pod.spec!.terminationGracePeriodSeconds, '5');
    assert.equal(pod.spec!.containers[0]!.imagePullPolicy, 'Never');
  });
});

describe('Pod validation', () => {
  it('accepts a realistic Pod', () => {
    assert.deepEqual(messages(strategy.validate(createdPod(), ctx)), []);
  });

  const cases: [string, (pod: Pod) => void, string[]][] = [
    ['no containers', (p) => (p.spec!.containers = []), ['spec.containers: Required value']],
    ['no image', (p) => (p.spec!.containers[0]!.image = ''), ['spec.containers[0].image: Required value']],
    [
      'a container name that is not a DNS label',
      (p) => (p.spec!.containers[1]!.name = 'Side_Car'),
      [
        `spec.containers[1].name: Invalid value: "Side_Car": a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')`,
      ],
    ],
    [
      'a container named like an init container',
      (p) => (p.spec!.containers[1]!.name = 'migrate'),
      ['spec.containers[1].name: Duplicate value: "migrate"'],
    ],
    [
      'an unknown restart policy',
      (p) => (p.spec!.restartPolicy = 'Sometimes'),
      [
        'spec.restartPolicy: Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"',
      ],
    ],
    [
      'a port out of range',
      (p) => (p.spec!.containers[0]!.ports[0]!.containerPort = 70000),
      [
        'spec.containers[0].ports[0].containerPort: Invalid value: 70000: must be between 1 and 65535, inclusive',
      ],
    ],
    [
      'two ports with one name',
      (p) =>
        p.spec!.containers[0]!.ports.push({
          name: 'http',
          containerPort: 8081,
          hostPort: 0,
          protocol: 'TCP',
          hostIp: '',
        }),
      ['spec.containers[0].ports[1].name: Duplicate value: "http"'],
    ],
    [
      'an unknown protocol',
      (p) => (p.spec!.containers[0]!.ports[0]!.protocol = 'HTTP'),
      [
        'spec.containers[0].ports[0].protocol: Unsupported value: "HTTP": supported values: "TCP", "UDP", "SCTP"',
      ],
    ],
    [
      'a quantity that does not parse',
      (p) => (p.spec!.containers[0]!.resources!.limits.cpu = 'lots'),
      ['spec.containers[0].resources.limits[cpu]: Invalid value: "lots"'],
    ],
    [
      'requests above limits',
      (p) => (p.spec!.containers[0]!.resources!.requests.memory = '1Gi'),
      [
        'spec.containers[0].resources.requests[memory]: Invalid value: "1Gi": must be less than or equal to memory limit of 128Mi',
      ],
    ],
    [
      'an env var with two sources',
      (p) => {
        p.spec!.containers[0]!.env[0]!.valueFrom!.secretKeyRef = { name: 's', key: 'k' };
      },
      [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": may not have more than one field specified at a time',
      ],
    ],
    [
      'an env var with a value and a source',
      (p) => (p.spec!.containers[0]!.env[0]!.value = 'x'),
      [
        'spec.containers[0].env[0].valueFrom: Invalid value: "": may not be specified when `value` is not empty',
      ],
    ],
    [
      'an env var name starting with a digit',
      (p) => (p.spec!.containers[0]!.env[1]!.name = '1MODE'),
      ['spec.containers[0].env[1].name: Invalid value: "1MODE": a valid environment variable name'],
    ],
    [
      'a probe with two handlers',
      (p) => (p.spec!.containers[0]!.livenessProbe!.exec = { command: ['true'] }),
      ['spec.containers[0].livenessProbe.httpGet: Forbidden: may not specify more than 1 handler type'],
    ],
    [
      'a probe with no handler',
      (p) => (p.spec!.containers[0]!.readinessProbe!.tcpSocket = undefined),
      ['spec.containers[0].readinessProbe: Required value: must specify a handler type'],
    ],
    [
      'a liveness probe needing two successes',
      (p) => (p.spec!.containers[0]!.livenessProbe!.successThreshold = 2),
      ['spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'],
    ],
    [
      'a negative probe delay',
      (p) => (p.spec!.containers[0]!.livenessProbe!.initialDelaySeconds = -1),
      [
        'spec.containers[0].livenessProbe.initialDelaySeconds: Invalid value: -1: must be greater than or equal to 0',
      ],
    ],
    [
      'a mount of a missing volume',
      (p) => (p.spec!.containers[0]!.volumeMounts[0]!.name = 'secrets'),
      ['spec.containers[0].volumeMounts[0].name: Not found: "secrets"'],
    ],
    [
      'two volumes with one name',
      (p) => (p.spec!.volumes[1]!.name = 'config'),
      [
        'spec.volumes[1].name: Duplicate value: "config"',
        'spec.containers[0].volumeMounts[1].name: Not found: "cache"',
      ],
    ],
    [
      'a volume with two sources',
      (p) => (p.spec!.volumes[0]!.emptyDir = { medium: '', sizeLimit: '' }),
      ['spec.volumes[0].configMap: Forbidden: may not specify more than 1 volume type'],
    ],
    [
      'a volume with no source',
      (p) => (p.spec!.volumes[1]!.emptyDir = undefined),
      ['spec.volumes[1]: Required value: must specify a volume type'],
    ],
    [
      'a toleration with Exists and a value',
      (p) => (p.spec!.tolerations[0]!.operator = 'Exists'),
      [
        `spec.tolerations[0].operator: Invalid value: "web": value must be empty when \`operator\` is 'Exists'`,
      ],
    ],
    [
      'a toleration with an unknown effect',
      (p) => (p.spec!.tolerations[0]!.effect = 'NoRun'),
      [
        'spec.tolerations[0].effect: Unsupported value: "NoRun": supported values: "NoSchedule", "PreferNoSchedule", "NoExecute"',
      ],
    ],
    [
      'a node selector with an invalid label value',
      (p) => (p.spec!.nodeSelector.disktype = 'fast ssd'),
      ['spec.nodeSelector[disktype]: Invalid value: "fast ssd"'],
    ],
    [
      'a negative user id',
      (p) => (p.spec!.containers[0]!.securityContext = { runAsUser: '-1', procMount: '' }),
      [
        'spec.containers[0].securityContext.runAsUser: Invalid value: -1: must be between 0 and 2147483647, inclusive',
      ],
    ],
    [
      'a probe on a plain init container',
      (p) => (p.spec!.initContainers[0]!.livenessProbe = p.spec!.containers[0]!.livenessProbe),
      [
        'spec.initContainers[0].livenessProbe: Forbidden: may not be set for init containers without restartPolicy=Always',
      ],
    ],
  ];

  for (const [name, mutate, expected] of cases) {
    it(`refuses ${name}`, () => {
      const got = validate(mutate);
      assert.equal(got.length, expected.length, `got ${JSON.stringify(got)}`);
      expected.forEach((want, i) => {
        assert.ok(
          got[i]?.startsWith(want),
          `expected ${JSON.stringify(got[i])} to start with ${JSON.stringify(want)}`,
        );
      });
    });
  }

  it('reports every failure together', () => {
    const pod = createdPod();
    pod.spec!.containers[0]!.image = '';
    pod.spec!.restartPolicy = 'Sometimes';
    pod.spec!.containers[1]!.ports.push({
      name: '',
      containerPort: 0,
      hostPort: 0,
      protocol: 'TCP',
      hostIp: '',
    });
    assert.deepEqual(paths(strategy.validate(pod, ctx)), [
      'spec.containers[0].image',
      'spec.containers[1].ports[0].containerPort',
      'spec.restartPolicy',
    ]);
  });

  it('does not change the object it validates', () => {
    const pod = createdPod();
    pod.spec!.containers[0]!.image = '';
    const before = JSON.stringify(pod);
    strategy.validate(pod, ctx);
    assert.equal(JSON.stringify(pod), before);
  });
});

describe('Pod update', () => {
  function update(mutate: (pod: Pod) => void): string[] {
    const old = createdPod();
    const pod = createdPod();
    mutate(pod);
    strategy.applyDefaults(pod);
    strategy.prepareForUpdate(pod, old, ctx);
    return messages(strategy.validateUpdate(pod, old, ctx));
  }

  it('allows a new image, a shorter deadline, more tolerations and another grace period', () => {
    assert.deepEqual(
      update((p) => {
        p.spec!.containers[0]!.image = 'nginx:1.26';
        p.spec!.initContainers[0]!.image = 'registry.example.com:5000/tools/migrate:2.2';
        p.spec!.activeDeadlineSeconds = '600';
        p.spec!.tolerations.push({ key: 'spot', operator: 'Exists', value: '', effect: 'NoSchedule' });
        p.spec!.terminationGracePeriodSeconds = '10';
      }),
      [],
    );
  });

  it('refuses any other spec change, naming what changed', () => {
    const got = update((p) => {
      p.spec!.containers[0]!.ports[0]!.containerPort = 9090;
    });
    assert.equal(got.length, 1);
    assert.match(
      got[0]!,
      /^spec: Forbidden: pod updates may not change fields other than `spec.containers\[\*\].image`/,
    );
    assert.match(got[0]!, /changed: spec\.containers\[0\]\.ports\[0\]\.containerPort/);
  });

  it('refuses setting the node through the main endpoint', () => {
    const got = update((p) => {
      p.spec!.nodeName = 'node-1';
    });
    assert.equal(got.length, 1);
    assert.match(got[0]!, /changed: spec\.nodeName$/);
  });

  it('refuses removing a toleration', () => {
    assert.deepEqual(
      update((p) => {
        p.spec!.tolerations = [];
      }),
      ['spec.tolerations: Forbidden: existing toleration can not be modified except its tolerationSeconds'],
    );
  });

  it('refuses a longer deadline', () => {
    const old = createdPod();
    old.spec!.activeDeadlineSeconds = '60';
    const pod = createdPod();
    pod.spec!.activeDeadlineSeconds = '120';
    assert.deepEqual(messages(strategy.validateUpdate(pod, old, ctx)), [
      'spec.activeDeadlineSeconds: Invalid value: "120": must be less than or equal to previous value',
    ]);
  });

  it('ignores status changes on the main endpoint', () => {
    const old = createdPod();
    const pod = createdPod();
    pod.status!.phase = 'Running';
    strategy.prepareForUpdate(pod, old, ctx);
    assert.equal(pod.status?.phase, 'Pending');
  });

  it('ignores everything but status on the status endpoint', () => {
    const old = createdPod();
    const pod = createdPod();
    pod.metadata!.resourceVersion = '7';
    pod.metadata!.labels.extra = 'yes';
    pod.spec!.containers[0]!.image = 'evil:1';
    pod.status!.phase = 'Running';
    pod.status!.podIp = '10.0.0.5';
    pod.status!.podIps = [{ ip: '10.0.0.5' }];
    const meta = pod.metadata;
    strategy.status!.prepareForUpdate(pod, old, ctx);
    assert.equal(pod.spec!.containers[0]!.image, 'nginx:1.25');
    assert.equal(pod.metadata, meta, 'the metadata record is updated in place');
    assert.equal(pod.metadata!.labels.extra, undefined);
    assert.equal(pod.metadata!.resourceVersion, '7');
    assert.equal(pod.status!.phase, 'Running');
    assert.deepEqual(messages(strategy.status!.validateUpdate(pod, old, ctx)), []);
  });

  it('validates the status', () => {
    const old = createdPod();
    old.status!.phase = 'Succeeded';
    const pod = createdPod();
    pod.status!.phase = 'Running';
    pod.status!.podIp = '10.0.0.300';
    pod.status!.containerStatuses = [
      {
        name: 'ghost',
        ready: true,
        restartCount: 0,
        image: '',
        imageId: '',
        containerId: '',
        allocatedResources: {},
        stopSignal: '',
      },
    ];
    assert.deepEqual(paths(strategy.status!.validateUpdate(pod, old, ctx)), [
      'status.podIP',
      'status.containerStatuses[0].name',
      'status.phase',
    ]);
  });
});

describe('Pod field selectors and deletion', () => {
  it('extracts the supported fields', () => {
    const pod = createdPod();
    pod.spec!.nodeName = 'node-1';
    const fields = strategy.fieldSelectors!;
    assert.equal(fields['spec.nodeName']?.(pod), 'node-1');
    assert.equal(fields['status.phase']?.(pod), 'Pending');
    assert.equal(fields['spec.restartPolicy']?.(pod), 'Always');
    assert.equal(fields['spec.schedulerName']?.(pod), 'default-scheduler');
    assert.equal(fields['spec.serviceAccountName']?.(pod), 'default');
    assert.equal(fields['status.podIP']?.(pod), '');
  });

  it('gives a scheduled Pod its grace period and an unscheduled one none', () => {
    const grace = strategy.deletion!.gracePeriodSeconds!;
    const pod = createdPod();
    assert.equal(grace(pod, undefined), 0);
    pod.spec!.nodeName = 'node-1';
    assert.equal(grace(pod, undefined), 30);
    assert.equal(grace(pod, 5), 5);
    pod.status!.phase = 'Failed';
    assert.equal(grace(pod, undefined), 0);
  });
});
