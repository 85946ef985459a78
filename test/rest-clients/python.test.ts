/**
 * Debian's python3-kubernetes, the official Python client, unchanged against the REST API:
 * create, list, patch and watch, each result printed as JSON and asserted here.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { type Cluster, startCluster } from '../cluster.js';

/** Debian's interpreter: its python3-kubernetes is what CI installs. */
const PYTHON = '/usr/bin/python3';

const script = `
import json, os, sys
from kubernetes import client, config, watch
config.load_kube_config(os.environ['KUBECONFIG'])
v1 = client.CoreV1Api()
ns = 'python'
out = {}
v1.create_namespace(client.V1Namespace(metadata=client.V1ObjectMeta(name=ns)))
pod = client.V1Pod(
    metadata=client.V1ObjectMeta(name='py', labels={'app': 'py'}),
    spec=client.V1PodSpec(containers=[client.V1Container(name='c', image='nginx:1.14.2')]))
created = v1.create_namespaced_pod(ns, pod)
out['created'] = {'name': created.metadata.name, 'uid': created.metadata.uid, 'phase': created.status.phase}
pods = v1.list_namespaced_pod(ns, label_selector='app=py')
out['listed'] = [p.metadata.name for p in pods.items]
out['listResourceVersion'] = pods.metadata.resource_version
patched = v1.patch_namespaced_pod('py', ns, {'metadata': {'labels': {'patched': 'yes'}}})
out['patchedLabels'] = patched.metadata.labels
events = []
w = watch.Watch()
for event in w.stream(v1.list_namespaced_pod, ns, resource_version='0', timeout_seconds=5):
    events.append([event['type'], event['object'].metadata.name])
    if len(events) == 1:
        v1.create_namespaced_pod(ns, client.V1Pod(
            metadata=client.V1ObjectMeta(name='py2'),
            spec=client.V1PodSpec(containers=[client.V1Container(name='c', image='nginx')])))
    if len(events) == 2:
        w.stop()
out['watched'] = events
try:
    v1.read_namespaced_pod('absent', ns)
except client.exceptions.ApiException as e:
    out['missing'] = {'status': e.status, 'reason': json.loads(e.body)['reason']}
print(json.dumps(out))
`;

let cluster: Cluster;
before(async () => {
  if (!existsSync(PYTHON)) throw new Error(`${PYTHON} is missing: install python3 and python3-kubernetes`);
  cluster = await startCluster({ rest: true });
});
after(async () => {
  await cluster?.stop();
});

describe('python3-kubernetes', () => {
  it('creates, lists, patches and watches pods', async () => {
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        PYTHON,
        ['-c', script],
        { timeout: 60_000, env: { ...process.env, KUBECONFIG: cluster.kubeconfig } },
        (err, out, errOut) => (err ? reject(new Error(`${err.message}\n${errOut}`)) : resolve(out)),
      );
    });
    const out = JSON.parse(stdout) as {
      created: { name: string; uid: string; phase: string };
      listed: string[];
      listResourceVersion: string;
      patchedLabels: Record<string, string>;
      watched: [string, string][];
      missing: { status: number; reason: string };
    };
    assert.equal(out.created.name, 'py');
    assert.match(out.created.uid, /^[0-9a-f-]{36}$/);
    assert.equal(out.created.phase, 'Pending');
    assert.deepEqual(out.listed, ['py']);
    assert.match(out.listResourceVersion, /^\d+$/);
    assert.deepEqual(out.patchedLabels, { app: 'py', patched: 'yes' });
    assert.deepEqual(out.watched, [
      ['ADDED', 'py'],
      ['ADDED', 'py2'],
    ]);
    assert.deepEqual(out.missing, { status: 404, reason: 'NotFound' });
  });
});
