import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  customColumnsHeader,
  customColumnsRow,
  parseCustomColumns,
  parseCustomColumnsFile,
} from './custom-columns.js';
import { renderTable } from './printers/index.js';
import { UsageError } from './usage-error.js';

const pod = {
  metadata: { name: 'web', labels: { app: 'web' } },
  spec: { nodeName: 'node-1', containers: [{ image: 'nginx:1.27' }, { image: 'busybox' }] },
};

describe('custom columns', () => {
  it('prints each path of the spec as a column, <none> when missing, several values joined', () => {
    const columns = parseCustomColumns(
      'NAME:.metadata.name,NODE:spec.nodeName,IMAGES:.spec.containers[*].image,IP:.status.podIP',
    );
    assert.deepEqual(customColumnsHeader(columns), ['NAME', 'NODE', 'IMAGES', 'IP']);
    assert.deepEqual(customColumnsRow(columns, pod), ['web', 'node-1', 'nginx:1.27,busybox', '<none>']);
    assert.equal(
      renderTable([customColumnsHeader(columns), customColumnsRow(columns, pod)]),
      'NAME   NODE     IMAGES               IP\nweb    node-1   nginx:1.27,busybox   <none>\n',
    );
  });

  it('prints maps as JSON and takes {}-wrapped paths', () => {
    const columns = parseCustomColumns('LABELS:{.metadata.labels}');
    assert.deepEqual(customColumnsRow(columns, pod), ['{"app":"web"}']);
  });

  it('reads a file of headers then paths', () => {
    const columns = parseCustomColumnsFile('NAME          NODE\n.metadata.name .spec.nodeName\n');
    assert.deepEqual(customColumnsRow(columns, pod), ['web', 'node-1']);
  });

  it('refuses a spec without a path, or a file whose lines do not pair up', () => {
    assert.throws(() => parseCustomColumns('NAME'), /expected <header>:<json-path-expr>/);
    assert.throws(() => parseCustomColumns(''), UsageError);
    assert.throws(() => parseCustomColumns('NAME:.a[x]'), /custom column NAME/);
    assert.throws(() => parseCustomColumnsFile('NAME NODE\n.metadata.name\n'), /2 headers and 1 paths/);
  });
});
