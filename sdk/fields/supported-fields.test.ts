import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiError, Code } from '../errors.js';
import { ObjectMeta } from '../gen/wheelhouse/meta/v1/meta.js';
import { parseFieldSelector } from './selector.js';
import {
  checkSupportedFields,
  compileFieldSelector,
  objectMetaFields,
  type SupportedFields,
} from './supported-fields.js';

interface FakeNode {
  metadata?: ObjectMeta;
  spec?: { unschedulable: boolean };
}

const nodeFields: SupportedFields<FakeNode> = {
  ...objectMetaFields<FakeNode>(false),
  'spec.unschedulable': (node) => String(node.spec?.unschedulable ?? false),
};

function node(name: string, unschedulable: boolean): FakeNode {
  return { metadata: ObjectMeta.fromPartial({ name }), spec: { unschedulable } };
}

describe('compileFieldSelector', () => {
  const nodes = [node('a', false), node('b', true), { metadata: ObjectMeta.fromPartial({ name: 'c' }) }];
  const cases: [selector: string, names: string[]][] = [
    ['', ['a', 'b', 'c']],
    ['metadata.name=b', ['b']],
    ['metadata.name!=b', ['a', 'c']],
    ['spec.unschedulable=true', ['b']],
    ['spec.unschedulable=false,metadata.name!=a', ['c']],
  ];
  for (const [selector, names] of cases) {
    it(`${JSON.stringify(selector)} selects ${names.join(',')}`, () => {
      const predicate = compileFieldSelector(parseFieldSelector(selector), nodeFields, 'Node');
      assert.deepEqual(
        nodes.filter(predicate).map((n) => n.metadata?.name),
        names,
      );
    });
  }

  it('refuses fields the kind does not support, naming the ones it does', () => {
    assert.throws(
      () => compileFieldSelector(parseFieldSelector('metadata.namespace=x,spec.foo=1'), nodeFields, 'Node'),
      (err: unknown) => {
        assert.ok(err instanceof ApiError);
        assert.equal(err.code, Code.INVALID_ARGUMENT);
        assert.equal(
          err.message,
          'field label not supported: "metadata.namespace", "spec.foo"; ' +
            'Node supports field selectors on metadata.name, spec.unschedulable',
        );
        return true;
      },
    );
  });

  it('does not treat inherited properties as fields', () => {
    assert.throws(
      () => checkSupportedFields(parseFieldSelector('constructor=x'), nodeFields, 'Node'),
      ApiError,
    );
  });

  it('supports metadata.namespace on namespaced kinds', () => {
    const fields = objectMetaFields<FakeNode>(true);
    const predicate = compileFieldSelector(parseFieldSelector('metadata.namespace=default'), fields, 'Pod');
    assert.ok(predicate({ metadata: ObjectMeta.fromPartial({ name: 'p', namespace: 'default' }) }));
    assert.ok(!predicate({ metadata: ObjectMeta.fromPartial({ name: 'p', namespace: 'other' }) }));
  });
});
