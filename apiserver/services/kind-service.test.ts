import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { KindObject } from '../../sdk/kind-registry.js';
import { kinds } from '../../sdk/kinds.js';
import type { GenericRegistry } from '../registry/generic-registry.js';
import { kindService, kindServiceDefinition } from './kind-service.js';
import type { RequestGate } from './request.js';

describe('kindService', () => {
  it("implements every method of each kind's service definition, and nothing else", () => {
    for (const info of kinds) {
      const registry = { info } as unknown as GenericRegistry<KindObject>;
      const impl = kindService(registry, {} as RequestGate);
      assert.deepEqual(Object.keys(impl).sort(), Object.keys(kindServiceDefinition(info)).sort(), info.kind);
    }
  });
});
