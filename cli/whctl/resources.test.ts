import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindLabel, objectLabel, parseResourceArgs } from './resources.js';
import { UsageError } from './usage-error.js';

const kinds = (args: string[]) => parseResourceArgs(args).map((r) => [r.info.kind, r.names]);

describe('parseResourceArgs', () => {
  it('resolves plurals, singulars, short names and group-qualified names', () => {
    assert.deepEqual(kinds(['pods']), [['Pod', []]]);
    assert.deepEqual(kinds(['pod', 'web', 'db']), [['Pod', ['web', 'db']]]);
    assert.deepEqual(kinds(['po']), [['Pod', []]]);
    assert.deepEqual(kinds(['deploy']), [['Deployment', []]]);
    assert.deepEqual(kinds(['deployments.apps']), [['Deployment', []]]);
    assert.deepEqual(kinds(['Deployment']), [['Deployment', []]]);
  });

  it('takes several types, and TYPE/NAME pairs grouped by kind', () => {
    assert.deepEqual(kinds(['pods,deploy,po']), [
      ['Pod', []],
      ['Deployment', []],
    ]);
    assert.deepEqual(kinds(['pod/a', 'deploy/web', 'po/b']), [
      ['Pod', ['a', 'b']],
      ['Deployment', ['web']],
    ]);
  });

  it('refuses unknown types, names with several types, and mixed forms', () => {
    assert.throws(() => parseResourceArgs(['widgets']), /doesn't have a resource type "widgets"/);
    assert.throws(() => parseResourceArgs(['pods.apps']), UsageError);
    assert.throws(() => parseResourceArgs(['pods,deploy', 'web']), /one resource type/);
    assert.throws(() => parseResourceArgs(['pod/a', 'b']), /resource\/name form/);
    assert.throws(() => parseResourceArgs([]), /specify the type/);
  });

  it('names objects as kubectl does', () => {
    const [pod] = parseResourceArgs(['pods']);
    const [deploy] = parseResourceArgs(['deploy']);
    assert.ok(pod && deploy);
    assert.equal(objectLabel(pod.info, 'web'), 'pod/web');
    assert.equal(kindLabel(deploy.info), 'deployment.apps');
  });
});
