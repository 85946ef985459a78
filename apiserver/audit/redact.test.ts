import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { redactRequest } from './redact.js';

describe('audit: request objects', () => {
  test('Secret data and stringData values go; their keys stay', () => {
    const request = {
      secret: {
        kind: 'Secret',
        metadata: {
          name: 'db',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '{"data":1}' },
        },
        data: { password: Buffer.from('hunter2') },
        stringData: { user: 'root' },
        type: 'Opaque',
      },
      dryRun: false,
    };
    assert.deepEqual(redactRequest(request, true), {
      secret: {
        kind: 'Secret',
        metadata: {
          name: 'db',
          annotations: { 'kubectl.kubernetes.io/last-applied-configuration': '[redacted]' },
        },
        data: { password: '[redacted]' },
        stringData: { user: '[redacted]' },
        type: 'Opaque',
      },
      dryRun: false,
    });
  });

  test('a Secret is recognised by its kind too, anywhere in a request', () => {
    const out = redactRequest({ items: [{ kind: 'Secret', data: { k: new Uint8Array([1]) } }] }, false);
    assert.deepEqual(out, { items: [{ kind: 'Secret', data: { k: '[redacted]' } }] });
  });

  test('other kinds keep their data, as JSON: bytes base64, times RFC 3339', () => {
    const when = new Date('2030-01-01T00:00:00Z');
    const out = redactRequest(
      { configMap: { kind: 'ConfigMap', data: { a: 'b' }, binaryData: { c: Buffer.from('hi') } }, when },
      false,
    );
    assert.deepEqual(out, {
      configMap: { kind: 'ConfigMap', data: { a: 'b' }, binaryData: { c: 'aGk=' } },
      when: '2030-01-01T00:00:00.000Z',
    });
  });

  test('tokens, authorization and passwords go wherever they are', () => {
    const out = redactRequest(
      {
        tokenRequest: { spec: { audiences: ['x'] }, status: { token: 'eyJ.secret.sig' } },
        authorization: 'Bearer x',
      },
      false,
    );
    assert.deepEqual(out, {
      tokenRequest: { spec: { audiences: ['x'] }, status: { token: '[redacted]' } },
      authorization: '[redacted]',
    });
    assert.ok(!JSON.stringify(out).includes('eyJ'));
  });
});
