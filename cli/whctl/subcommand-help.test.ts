import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runWhctl } from './main.js';
import { testIo } from './test-io.js';

/** `--help` anywhere prints the help of the most specific (sub)command the arguments name. */
describe('whctl subcommand help', () => {
  const help = async (...argv: string[]) => {
    const io = testIo({ cwd: process.cwd(), env: {} });
    assert.equal(await runWhctl(argv, io), 0);
    return io.out();
  };

  it('create FORM --help prints the form’s flags, not create’s', async () => {
    assert.match(await help('create', '--help'), /^Create resources from manifests/);
    assert.match(await help('create', 'deployment', '--help'), /--image/);
    assert.match(await help('create', 'service', 'nodeport', '--help'), /--node-port/);
    assert.match(await help('create', 'secret', 'generic', '--help'), /--from-literal/);
    assert.match(await help('create', 'service', '--help'), /Run "whctl create service FORM --help"/);
    // An unknown form falls back to the command's own help.
    assert.match(await help('create', 'widget', '--help'), /^Create resources from manifests/);
  });
});
