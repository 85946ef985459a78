import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApiError, Code } from '../../../sdk/errors.js';
import type { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import type { ReplicaSet } from '../../../sdk/gen/wheelhouse/apps/v1/replica_set.js';
import { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Logger } from '../../../sdk/logger.js';
import { fromYaml } from '../../kinds/testing.js';
import { podSecurity } from './pod-security.js';
import { attrsFor } from './testing.js';

const namespaces: Record<string, Record<string, string>> = {
  open: {},
  base: { 'pod-security.kubernetes.io/enforce': 'baseline' },
  strict: { 'pod-security.kubernetes.io/enforce': 'restricted' },
  typo: { 'pod-security.kubernetes.io/enforce': 'baseln' },
};
const plugin = podSecurity(async (name) =>
  namespaces[name] ? Namespace.fromPartial({ metadata: { name, labels: namespaces[name] } }) : undefined,
);

const bad = (ns: string) =>
  fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: x, namespace: ${ns}}
spec:
  hostNetwork: true
  hostPID: true
  volumes: [{name: data, hostPath: {path: /var}}]
  containers:
  - name: a
    image: nginx
    securityContext: {privileged: true, capabilities: {add: [NET_ADMIN]}}
    ports: [{containerPort: 80, hostPort: 8080}]
  - {name: b, image: nginx, securityContext: {privileged: true}}
`);

const good = (ns: string) =>
  fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: ok, namespace: ${ns}}
spec:
  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}
  volumes: [{name: cfg, configMap: {name: c}}]
  containers:
  - name: a
    image: nginx
    securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: [ALL], add: [NET_BIND_SERVICE]}}
`);

async function refusal(p: Pod): Promise<string> {
  try {
    await plugin.validate?.(attrsFor('CREATE', p));
  } catch (err) {
    assert.equal((err as ApiError).code, Code.PERMISSION_DENIED);
    return (err as ApiError).message;
  }
  return '';
}

describe('PodSecurity', () => {
  it('admits anything in an unlabelled (privileged) namespace', async () => {
    assert.equal(await refusal(bad('open')), '');
  });

  it('baseline lists every violation in one refusal', async () => {
    assert.equal(
      await refusal(bad('base')),
      'pods "x" is forbidden: violates PodSecurity "baseline:latest": ' +
        'non-default capabilities (container "a" must not include "NET_ADMIN" in securityContext.capabilities.add), ' +
        'host namespaces (hostNetwork=true, hostPID=true), ' +
        'hostPath volumes (volume "data" uses hostPath), ' +
        'hostPort (container "a" uses hostPort 8080), ' +
        'privileged (containers "a", "b" must not set securityContext.privileged=true)',
    );
  });

  it('restricted adds its own checks', async () => {
    const p = fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: y, namespace: strict}
spec:
  containers: [{name: a, image: nginx}]
`);
    assert.equal(
      await refusal(p),
      'pods "y" is forbidden: violates PodSecurity "restricted:latest": ' +
        'allowPrivilegeEscalation != false (container "a" must set securityContext.allowPrivilegeEscalation=false), ' +
        'unrestricted capabilities (container "a" must set securityContext.capabilities.drop=["ALL"]), ' +
        'runAsNonRoot != true (pod or container "a" must set securityContext.runAsNonRoot=true), ' +
        'seccompProfile (pod or container "a" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")',
    );
  });

  it('restricted reports restricted volume types instead of hostPath volumes', async () => {
    const message = await refusal(bad('strict'));
    assert.match(message, /restricted volume types \(volume "data" uses restricted volume type "hostPath"\)/);
    assert.doesNotMatch(message, /hostPath volumes/);
    assert.match(message, /privileged \(containers "a", "b"/);
  });

  it('admits a pod that meets restricted', async () => {
    assert.equal(await refusal(good('strict')), '');
    assert.equal(await refusal(good('base')), '');
  });

  it('treats an unknown level as restricted', async () => {
    assert.match(await refusal(bad('typo')), /violates PodSecurity "restricted:latest"/);
  });

  it('only warns about pod templates: a Deployment or ReplicaSet that violates is admitted, with a warning', async () => {
    const warnings: { fields: Record<string, unknown>; message: string }[] = [];
    const logger = {
      warn: (fields: Record<string, unknown>, message: string) => warnings.push({ fields, message }),
    } as unknown as Logger;
    const warning = podSecurity(
      async (name) =>
        namespaces[name]
          ? Namespace.fromPartial({ metadata: { name, labels: namespaces[name] } })
          : undefined,
      logger,
    );
    const workload = (kind: 'Deployment' | 'ReplicaSet', ns: string, podSpec: string) =>
      fromYaml<Deployment | ReplicaSet>(`
apiVersion: apps/v1
kind: ${kind}
metadata: {name: d, namespace: ${ns}}
spec:
  selector: {matchLabels: {app: d}}
  template:
    metadata: {labels: {app: d}}
    spec: ${podSpec}
`);
    const hostNetwork = '{hostNetwork: true, containers: [{name: a, image: nginx}]}';

    await warning.validate?.(attrsFor('CREATE', workload('Deployment', 'base', hostNetwork)));
    assert.deepEqual(warnings, [
      {
        fields: { namespace: 'base', name: 'd', kind: 'Deployment', user: 'admin' },
        message: 'would violate PodSecurity "baseline:latest": host namespaces (hostNetwork=true)',
      },
    ]);

    warnings.length = 0;
    await warning.validate?.(attrsFor('UPDATE', workload('ReplicaSet', 'strict', hostNetwork)));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]?.fields.kind, 'ReplicaSet');
    assert.match(
      warnings[0]?.message ?? '',
      /^would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false .*host namespaces \(hostNetwork=true\)/,
    );

    // Nothing to warn about: a template that meets the level, or a privileged namespace.
    warnings.length = 0;
    await warning.validate?.(
      attrsFor('CREATE', workload('Deployment', 'base', '{containers: [{name: a, image: nginx}]}')),
    );
    await warning.validate?.(attrsFor('CREATE', workload('Deployment', 'open', hostNetwork)));
    assert.deepEqual(warnings, []);
  });
});
