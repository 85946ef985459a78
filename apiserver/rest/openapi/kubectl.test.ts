/**
 * Real kubectl against a real apiserver's REST API reading the generated OpenAPI:
 * `explain` from /openapi/v3 (and /openapi/v2 for kubectl 1.27's v2 explain), and
 * `apply` with validation on — kubectl 1.29+ finds `fieldValidation` on the kind's
 * PATCH in /openapi/v3 and leaves validation to the server; 1.27 and 1.28 first parse
 * the protobuf /openapi/v2 and fail without it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { type Cluster, startCluster } from '../../../test/cluster.js';
import { skipUnlessInstalled } from '../../../test/requirements.js';

const run = promisify(execFile);
/** Where the Debian `kubectl` package puts each minor version beside its dispatcher. */
const KUBECTL_DIR = '/usr/lib/google-cloud-sdk/bin';
const versions = ['1.33', '1.27'].map((v) => ({ version: v, path: join(KUBECTL_DIR, `kubectl.${v}`) }));
const missing = versions.filter((v) => !existsSync(v.path)).map((v) => v.path);

describe('kubectl explain and validating apply read the generated OpenAPI', {
  skip: skipUnlessInstalled(missing),
}, () => {
  let cluster: Cluster;
  let kubeconfig = '';

  before(async () => {
    cluster = await startCluster({ rest: true });
    kubeconfig = cluster.kubeconfig;
  });
  after(() => cluster?.stop());

  for (const { version, path } of versions) {
    /** kubectl's exit code, stdout and stderr; a failing command does not throw. */
    const kubectl = async (...args: string[]) => {
      try {
        const { stdout, stderr } = await run(path, ['--kubeconfig', kubeconfig, ...args], {
          env: { ...process.env, KUBECACHEDIR: join(cluster.dir, `kubectl-cache-${version}`) },
          timeout: 30_000,
        });
        return { code: 0, stdout, stderr };
      } catch (err) {
        const e = err as { code?: number; stdout?: string; stderr?: string };
        return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    };
    const manifest = (name: string, containerExtra: string) => {
      const file = join(cluster.dir, `${name}-${version}.yaml`);
      writeFileSync(
        file,
        [
          'apiVersion: v1',
          'kind: Pod',
          'metadata:',
          `  name: ${name}`,
          'spec:',
          '  containers:',
          '  - name: web',
          '    image: nginx',
          ...(containerExtra ? [`    ${containerExtra}`] : []),
          '',
        ].join('\n'),
      );
      return file;
    };

    it(`kubectl ${version} explain pod.spec.containers: types, required fields and the .proto comments`, async () => {
      const out = await kubectl('explain', 'pod.spec.containers');
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^KIND: +Pod$/m);
      assert.match(out.stdout, /^FIELD: containers <\[\]Container>$/m);
      assert.match(out.stdout, /At least one\./);
      assert.match(out.stdout, /^ {2}name\t<string> -required-$/m);
      assert.match(out.stdout, /^ {2}resources\t<ResourceRequirements>$/m);
    });

    it(`kubectl ${version} explain deployment.spec: replicas is an integer, strategy documented`, async () => {
      const out = await kubectl('explain', 'deployment.spec');
      assert.equal(out.code, 0, out.stderr);
      assert.match(out.stdout, /^GROUP: +apps$/m);
      assert.match(out.stdout, /^ {2}replicas\t<integer>$/m);
      assert.match(out.stdout, /^ {2}selector\t<LabelSelector> -required-$/m);
    });

    it(`kubectl ${version} apply validates: an unknown field is refused with its path, a good manifest applies`, async () => {
      const bad = await kubectl('apply', '-f', manifest(`bad-${version.replace('.', '-')}`, 'bogus: 1'));
      assert.notEqual(bad.code, 0, `apply of an unknown field succeeded: ${bad.stdout}`);
      assert.match(bad.stderr, /unknown field "spec\.containers\[0\]\.bogus"/);
      const good = await kubectl('apply', '-f', manifest(`good-${version.replace('.', '-')}`, ''));
      assert.equal(good.code, 0, good.stderr);
      assert.match(good.stdout, /^pod\/good-\S+ created$/m);
    });
  }

  it('kubectl 1.27 explain --output=plaintext-openapiv2 reads the protobuf /openapi/v2', async () => {
    const v = versions.find((x) => x.version === '1.27') ?? assert.fail();
    const { stdout } = await run(
      v.path,
      ['--kubeconfig', kubeconfig, 'explain', 'pods.spec.containers', '--output=plaintext-openapiv2'],
      { env: { ...process.env, KUBECACHEDIR: join(cluster.dir, 'kubectl-cache-v2') }, timeout: 30_000 },
    );
    assert.match(stdout, /^RESOURCE: containers <\[\]Object>$/m);
    assert.match(stdout, /At least one\./);
    assert.match(stdout, /^ {3}name\t<string> -required-$/m);
  });
});
