import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deleteOptions } from './commands/delete.js';
import { dryRunOf, parseFlags } from './flags.js';
import { UsageError } from './usage-error.js';

describe('parseFlags', () => {
  const flags = {
    output: { type: 'string', short: 'o' },
    'dry-run': { type: 'string' },
    filename: { type: 'string', short: 'f', multiple: true },
  } as const;

  it('accepts kubectl spellings: bare --dry-run, -o=yaml, repeated -f', () => {
    const { values, positionals } = parseFlags(['get', '--dry-run', '-o=yaml', '-f', 'a', '-f', 'b'], flags);
    assert.deepEqual(positionals, ['get']);
    assert.equal(values['dry-run'], 'server');
    assert.equal(values.output, 'yaml');
    assert.deepEqual(values.filename, ['a', 'b']);
    assert.equal(dryRunOf(parseFlags(['--dry-run=client'], flags).values['dry-run']), 'client');
  });

  it('turns unknown flags and bad values into usage errors', () => {
    assert.throws(() => parseFlags(['--nope'], flags), UsageError);
    assert.throws(() => dryRunOf('sometimes'), UsageError);
  });
});

describe('deleteOptions', () => {
  it('maps --cascade, --grace-period and --now to DeleteOptions', () => {
    assert.deepEqual(deleteOptions({}, false), { dryRun: false, propagationPolicy: '' });
    assert.deepEqual(deleteOptions({ cascade: 'orphan', 'grace-period': '30' }, true), {
      dryRun: true,
      propagationPolicy: 'Orphan',
      gracePeriodSeconds: '30',
    });
    assert.equal(deleteOptions({ now: true }, false).gracePeriodSeconds, '1');
    assert.throws(() => deleteOptions({ cascade: 'sideways' }, false), UsageError);
    assert.throws(() => deleteOptions({ 'grace-period': '-2' }, false), UsageError);
  });
});
