import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { diffGroups, parseHeapSnapshot, retainerChain } from './heap-snapshot.js';

// A small process of its own writes both snapshots: this one's heap (tsx, the test
// runner) would make them tens of MiB.
const SCRIPT = `
const v8 = require('node:v8');
class GrownThing { constructor(i) { this.i = i; } }
globalThis.heldByTest = [];
v8.writeHeapSnapshot(process.argv[1]);
for (let i = 0; i < 3000; i++) globalThis.heldByTest.push(new GrownThing(i));
v8.writeHeapSnapshot(process.argv[2]);
`;

test('a diff of two snapshots shows the objects added between them, and what holds them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'heap-snapshot-test-'));
  try {
    const [a, b] = [join(dir, 'a.heapsnapshot'), join(dir, 'b.heapsnapshot')];
    const run = spawnSync(process.execPath, ['-e', SCRIPT, a, b], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const before = parseHeapSnapshot(readFileSync(a, 'utf8'));
    const after = parseHeapSnapshot(readFileSync(b, 'utf8'));
    assert.equal(before.groups.get('GrownThing'), undefined);
    const grown = diffGroups(before.groups, after.groups).find((r) => r.name === 'GrownThing');
    assert.equal(grown?.count, 3000);
    // An object with one small-integer field: a header and the field, whatever V8's pointer size.
    assert.ok(grown.bytes >= 3000 * 16, `${grown.bytes} bytes`);
    const nodes = after.nodesOf('GrownThing');
    assert.equal(nodes.length, 3000);
    const chain = retainerChain(after, nodes[0]!);
    assert.match(chain[0]!, /^GrownThing/);
    assert.ok(
      chain.some((step) => step.startsWith('.heldByTest of')),
      chain.join('\n'),
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
