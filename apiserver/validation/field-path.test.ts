import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { FieldPath } from './field-path.js';

describe('FieldPath', () => {
  const root = FieldPath.root();
  const cases: [path: FieldPath, printed: string][] = [
    [root, ''],
    [root.child('spec'), 'spec'],
    [root.child('spec').child('containers').index(0).child('image'), 'spec.containers[0].image'],
    [FieldPath.of('metadata', 'labels').key('app'), 'metadata.labels[app]'],
    [
      FieldPath.of('metadata').child('annotations').key('example.com/x'),
      'metadata.annotations[example.com/x]',
    ],
    [root.child('spec', 'template', 'spec'), 'spec.template.spec'],
    [root.index(2), '[2]'],
    [root.child('a').index(1).index(2).key('k').child('b'), 'a[1][2][k].b'],
  ];
  for (const [path, printed] of cases) {
    it(`prints ${JSON.stringify(printed)}`, () => {
      assert.equal(path.toString(), printed);
      assert.equal(`${path}`, printed);
    });
  }

  it('shares parents without changing them', () => {
    const containers = FieldPath.of('spec', 'containers');
    const first = containers.index(0);
    const second = containers.index(1);
    assert.equal(first.child('image').toString(), 'spec.containers[0].image');
    assert.equal(second.child('name').toString(), 'spec.containers[1].name');
    assert.equal(containers.toString(), 'spec.containers');
  });
});
