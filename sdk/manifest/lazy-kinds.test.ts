/**
 * The codec's modules, imported without the index, load no kind's generated code: a
 * process decodes the kinds it loaded (loadManifests loads those a file names), and a
 * kind it did not load is refused with a message saying how to load it. Run in a child
 * process, since importing the kind table anywhere in this one would load every kind.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const root = fileURLToPath(new URL('../..', import.meta.url));

const program = `
import { parseManifests, loadManifests } from './sdk/manifest/parse.ts';
import { encodeObject } from './sdk/manifest/encode.ts';
import { loadedKindTypes } from './sdk/kind-loader.ts';
import { kinds } from './sdk/kinds.ts';
const text = 'apiVersion: v1\\nkind: ConfigMap\\nmetadata:\\n  name: c\\ndata:\\n  a: "1"\\n';
const out = {};
try { parseManifests(text, 'c.yaml'); out.syncBefore = 'decoded'; } catch (err) { out.syncBefore = err.message; }
const [parsed] = await loadManifests(text, 'c.yaml');
out.decoded = parsed.object.data;
out.encoded = encodeObject(parsed.info, parsed.object);
out.syncAfter = parseManifests(text, 'c.yaml').length;
out.loaded = kinds.filter((k) => loadedKindTypes(k)).map((k) => k.kind);
process.stdout.write(JSON.stringify(out));
`;

describe('manifest codec without the kind table', () => {
  it('decodes the kinds loaded, and only those are loaded', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['--import', 'tsx', '--input-type=module', '-e', program],
      { cwd: root, timeout: 60_000 },
    );
    const out = JSON.parse(stdout) as Record<string, unknown>;
    assert.match(String(out.syncBefore), /kind ConfigMap is not loaded: await loadKindTypes/);
    assert.deepEqual(out.decoded, { a: '1' });
    assert.deepEqual(out.encoded, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'c' },
      data: { a: '1' },
    });
    assert.equal(out.syncAfter, 1);
    assert.deepEqual(out.loaded, ['ConfigMap']);
  });
});
