import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { dropNestedField } from './drop-nested-field.js';

// Keys: field number << 3 | wire type (2: length-delimited, 0: varint).
const key = (field: number, wire: number) => field * 8 + wire;
const OUTER = key(1, 2);
const INNER = key(2, 2);
const DROP = key(14, 2);

/** An inner message: a varint, a string, and `dropped` bytes in field 14 (if any). */
function inner(w: BinaryWriter, name: string, dropped: number): void {
  w.uint32(key(1, 0)).uint32(7);
  w.uint32(key(3, 2)).string(name);
  if (dropped > 0) w.uint32(DROP).bytes(new Uint8Array(dropped).fill(0x61));
  w.uint32(key(15, 2)).string('after');
}

/** Outer messages (field 1, repeated), each with a varint, one inner message (field 2) and a trailer. */
function message(items: { name: string; dropped: number }[]): Uint8Array {
  const w = new BinaryWriter();
  w.uint32(key(5, 0)).uint32(300);
  for (const item of items) {
    w.uint32(OUTER).fork();
    w.uint32(key(1, 0)).uint32(1);
    w.uint32(INNER).fork();
    inner(w, item.name, item.dropped);
    w.join();
    w.uint32(key(3, 2)).string('trailer');
    w.join();
  }
  w.uint32(key(6, 2)).string('end');
  return w.finish();
}

test('leaves field 14 out of every message at the end of the path, and nothing else', () => {
  // 200 bytes dropped: lengths above 127 shrink to one byte, so their varints shrink too.
  const before = message([
    { name: 'a', dropped: 200 },
    { name: 'b', dropped: 0 },
    { name: 'c', dropped: 3 },
  ]);
  const after = dropNestedField(before, [OUTER, INNER], DROP);
  const expected = message([
    { name: 'a', dropped: 0 },
    { name: 'b', dropped: 0 },
    { name: 'c', dropped: 0 },
  ]);
  assert.deepEqual(Buffer.from(after), Buffer.from(expected));
});

test('a message without the field comes back as it is, not copied', () => {
  const bytes = message([{ name: 'a', dropped: 0 }]);
  assert.equal(dropNestedField(bytes, [OUTER, INNER], DROP), bytes);
});

test('field 14 elsewhere than at the end of the path is kept', () => {
  const w = new BinaryWriter();
  w.uint32(DROP).string('top level');
  w.uint32(OUTER).fork().uint32(DROP).string('one level down').join();
  const bytes = w.finish();
  assert.equal(dropNestedField(bytes, [OUTER, INNER], DROP), bytes);
});

test('bytes that cannot be followed come back as they are', () => {
  const good = message([{ name: 'a', dropped: 10 }]);
  const cases = [
    // Cut short: the last field runs past the end.
    good.subarray(0, good.length - 2),
    // A group (wire type 3) in the inner message.
    (() => {
      const w = new BinaryWriter();
      w.uint32(OUTER)
        .fork()
        .uint32(INNER)
        .fork()
        .uint32(key(9, 3))
        .uint32(key(9, 4))
        .uint32(DROP)
        .string('x');
      w.join().join();
      return w.finish();
    })(),
    // A varint of eleven bytes.
    Uint8Array.from([...new Array(11).fill(0xff), 0x01]),
  ];
  for (const bytes of cases) assert.equal(dropNestedField(bytes, [OUTER, INNER], DROP), bytes);
});
