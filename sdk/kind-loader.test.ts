import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadableKinds, loadedKindTypes, loadKindTypes } from './kind-loader.js';
import { kindTypes } from './kind-registry.js';
import { kinds } from './kinds.js';

describe('kind loader', () => {
  it('loads exactly the kinds of the kind table', () => {
    assert.deepEqual([...loadableKinds].sort(), kinds.map((k) => k.kind).sort());
  });

  for (const info of kinds) {
    it(`loads the same message, service and client as the table for ${info.kind}`, async () => {
      const types = await loadKindTypes(info);
      const table = kindTypes[info.kind];
      assert.ok(table);
      assert.equal(types.message, table.message);
      assert.equal(types.service, table.service);
      assert.equal(types.client, table.client);
      assert.equal(loadedKindTypes(info), types, 'once loaded, the types are at hand synchronously');
    });
  }

  it('loads a kind once, however many ask at the same time', async () => {
    const info = kinds.find((k) => k.kind === 'Lease');
    assert.ok(info);
    const [a, b] = await Promise.all([loadKindTypes(info), loadKindTypes(info)]);
    assert.equal(a, b);
  });

  it('refuses a kind it does not know, naming it', async () => {
    const widget = { ...kinds[0], kind: 'Widget' } as (typeof kinds)[0];
    await assert.rejects(loadKindTypes(widget), /Widget/);
    assert.equal(loadedKindTypes(widget), undefined);
  });
});
