import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { kindTypes, typesOf } from './kind-registry.js';
import { apiVersionOf, kinds, serviceNameOf } from './kinds.js';

describe('kind registry', () => {
  it('has exactly the kinds of the kind table', () => {
    assert.deepEqual(Object.keys(kindTypes).sort(), kinds.map((k) => k.kind).sort());
  });

  for (const info of kinds) {
    it(`wires ${info.kind} to its own message, service and client`, () => {
      const types = typesOf(info);
      assert.equal(types.client.serviceName, serviceNameOf(info));
      assert.equal(types.client.service, types.service);
      const create = Object.values(types.service).find((m) => m.path.endsWith(`/Create${info.kind}`));
      assert.ok(create, `service has no Create${info.kind}`);
      assert.ok(create.path.startsWith(`/${serviceNameOf(info)}/`));

      const object = types.message.fromJSON({
        apiVersion: apiVersionOf(info),
        kind: info.kind,
        metadata: { name: 'x', labels: { a: 'b' } },
      });
      const bytes = types.message.encode(object).finish();
      const back = types.message.decode(bytes);
      assert.deepEqual(back, object);
      assert.equal(back.kind, info.kind);
      assert.equal(back.metadata?.labels.a, 'b');
      assert.deepEqual(types.message.create().metadata, undefined);
    });
  }

  it('refuses a kind it does not know', () => {
    assert.throws(() => typesOf({ ...kinds[0], kind: 'Widget' } as (typeof kinds)[0]), /Widget/);
  });
});
