import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PodTemplateSpec } from '../../sdk/gen/wheelhouse/core/v1/pod.js';
import { fnv32a, safeEncode } from '../shared/hash.js';
import { computeHash, equalIgnoreHash, POD_TEMPLATE_HASH_LABEL } from './pod-template-hash.js';

const template = (image: string, labels: Record<string, string> = { app: 'web' }) =>
  PodTemplateSpec.fromPartial({ metadata: { labels }, spec: { containers: [{ name: 'web', image }] } });

test('FNV-1a and the safe alphabet match their definitions', () => {
  assert.equal(fnv32a(new TextEncoder().encode('')), 0x811c9dc5);
  assert.equal(fnv32a(new TextEncoder().encode('a')), 0xe40c292c);
  assert.equal(fnv32a(new TextEncoder().encode('foobar')), 0xbf9cf968);
  assert.equal(safeEncode('0123456789'), '456789bcdf');
  assert.match(computeHash(template('nginx')), /^[bcdfghjklmnpqrstvwxz2456789]+$/);
});

test('the hash is stable, changes with the template and the collision count, ignores its own label and key order', () => {
  const a = computeHash(template('nginx:1.27'));
  assert.equal(computeHash(template('nginx:1.27')), a);
  assert.notEqual(computeHash(template('nginx:1.28')), a);
  assert.notEqual(computeHash(template('nginx:1.27'), 1), a);
  assert.notEqual(computeHash(template('nginx:1.27'), 1), computeHash(template('nginx:1.27'), 2));
  assert.equal(computeHash(template('nginx:1.27', { app: 'web', [POD_TEMPLATE_HASH_LABEL]: a })), a);
  assert.equal(
    computeHash(template('x', { a: '1', b: '2' })),
    computeHash(template('x', { b: '2', a: '1' })),
  );
  assert.equal(
    equalIgnoreHash(
      template('x', { app: 'w', [POD_TEMPLATE_HASH_LABEL]: 'abc' }),
      template('x', { app: 'w' }),
    ),
    true,
  );
  assert.equal(equalIgnoreHash(template('x'), template('y')), false);
});
