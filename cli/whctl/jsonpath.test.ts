import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JsonPathError, parseJsonPath, relaxedJsonPath } from './jsonpath.js';

// The input of kubectl's JSONPath reference page (kubernetes.io/docs/reference/kubectl/jsonpath).
const input = {
  kind: 'List',
  items: [
    {
      kind: 'None',
      metadata: { name: '127.0.0.1', labels: { 'kubernetes.io/hostname': '127.0.0.1' } },
      status: { capacity: { cpu: '4' }, addresses: [{ type: 'LegacyHostIP', address: '127.0.0.1' }] },
    },
    {
      kind: 'None',
      metadata: { name: '127.0.0.2' },
      status: {
        capacity: { cpu: '8' },
        addresses: [
          { type: 'LegacyHostIP', address: '127.0.0.2' },
          { type: 'another', address: '127.0.0.3' },
        ],
      },
    },
  ],
  users: [
    { name: 'myself', user: {} },
    { name: 'e2e', user: { username: 'admin', password: 'secret' } },
  ],
};

const run = (template: string, value: unknown = input) => parseJsonPath(template).execute(value);

describe('JSONPath templates, as kubectl documents them', () => {
  it('prints the documented examples', () => {
    assert.equal(run('{.kind}'), 'List');
    assert.equal(run("{['kind']}"), 'List');
    assert.equal(run('{$.kind}'), 'List');
    assert.equal(run('{..name}'), '127.0.0.1 127.0.0.2 myself e2e');
    assert.equal(run('{.items[*].metadata.name}'), '127.0.0.1 127.0.0.2');
    assert.equal(run('{.users[0].name}'), 'myself');
    assert.equal(run('{.items[-1:].metadata.name}'), '127.0.0.2');
    assert.equal(run('{.items[*].status.addresses[0].address}'), '127.0.0.1 127.0.0.2');
    assert.equal(run('{.users[?(@.name=="e2e")].user.password}'), 'secret');
    assert.equal(run('{.items[?(@.metadata.name=="127.0.0.1")].status.capacity}'), '{"cpu":"4"}');
    assert.equal(
      run('{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}'),
      '[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] ',
    );
    assert.equal(run('{.items[0].metadata.labels.kubernetes\\.io/hostname}'), '127.0.0.1');
    assert.equal(run("{.items[0].metadata.labels['kubernetes.io/hostname']}"), '127.0.0.1');
  });

  it('walks ranges with literals, nested ranges and {range} over a plain array', () => {
    assert.equal(
      run('{range .items[*]}{.metadata.name}{"\\t"}{.status.capacity.cpu}{"\\n"}{end}'),
      '127.0.0.1\t4\n127.0.0.2\t8\n',
    );
    assert.equal(run('{range .items}{.kind},{end}'), 'None,None,');
    assert.equal(
      run('{range .items[*]}{.metadata.name}:{range .status.addresses[*]}{.type} {end};{end}'),
      '127.0.0.1:LegacyHostIP ;127.0.0.2:LegacyHostIP another ;',
    );
  });

  it('slices, unions, negative indices and wildcards over objects', () => {
    const list = { a: [0, 1, 2, 3, 4, 5] };
    assert.equal(run('{.a[1:3]}', list), '1 2');
    assert.equal(run('{.a[::2]}', list), '0 2 4');
    assert.equal(run('{.a[-2:]}', list), '4 5');
    assert.equal(run('{.a[:-4]}', list), '0 1');
    assert.equal(run('{.a[0,5]}', list), '0 5');
    assert.equal(run('{.a[-1]}', list), '5');
    assert.equal(run('{.a[10]}', list), '');
    assert.equal(run('{.users[0].user.*}', { users: [{ user: { a: 'x', b: 'y' } }] }), 'x y');
    assert.equal(run('{.a}', list), '[0,1,2,3,4,5]');
  });

  it('filters by comparison and by existence', () => {
    const pods = {
      items: [
        { name: 'a', phase: 'Running', restarts: 0, ready: true },
        { name: 'b', phase: 'Pending', restarts: 3 },
        { name: 'c', phase: 'Running', restarts: 7, ready: false },
      ],
    };
    assert.equal(run('{.items[?(@.phase=="Running")].name}', pods), 'a c');
    assert.equal(run("{.items[?(@.phase!='Running')].name}", pods), 'b');
    assert.equal(run('{.items[?(@.restarts>2)].name}', pods), 'b c');
    assert.equal(run('{.items[?(@.restarts <= 3)].name}', pods), 'a b');
    assert.equal(run('{.items[?(@.ready)].name}', pods), 'a');
    // int64 fields come as strings in the objects' JSON; they compare with numbers.
    assert.equal(run('{.items[?(@.gen==2)].name}', { items: [{ name: 'x', gen: '2' }] }), 'x');
  });

  it('prints nothing for a missing field and keeps surrounding text', () => {
    assert.equal(run('name={.metadata.nope}!'), 'name=!');
    assert.equal(run('{range .nope[*]}x{end}'), '');
  });

  it('finds the values of its first path (for sorting and columns)', () => {
    assert.deepEqual(parseJsonPath('{.items[*].metadata.name}').find(input), ['127.0.0.1', '127.0.0.2']);
  });

  it('rejects malformed templates with where and why', () => {
    assert.throws(() => parseJsonPath('{.items[0}'), JsonPathError);
    assert.throws(() => parseJsonPath('{.a'), /closing "}"/);
    assert.throws(() => parseJsonPath('{range .items[*]}{.a}'), /without \{end\}/);
    assert.throws(() => parseJsonPath('{end}'), /without a \{range\}/);
    assert.throws(() => parseJsonPath('{.a[x]}'), /not an index/);
    assert.throws(() => parseJsonPath('{.a[?(@.b=~1)]}'), JsonPathError);
  });

  it('accepts the relaxed form of --sort-by and custom columns', () => {
    assert.equal(relaxedJsonPath('.metadata.name'), '{.metadata.name}');
    assert.equal(relaxedJsonPath('metadata.name'), '{.metadata.name}');
    assert.equal(relaxedJsonPath('{.metadata.name}'), '{.metadata.name}');
    assert.throws(() => relaxedJsonPath(''), JsonPathError);
  });
});
