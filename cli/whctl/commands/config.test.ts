import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { writeClientConfig } from '../../../sdk/client-config.js';
import { runWhctl } from '../main.js';
import { testIo } from '../test-io.js';

const dir = mkdtempSync(join(tmpdir(), 'whctl-config-'));
const path = join(dir, 'config.yaml');
after(() => rmSync(dir, { recursive: true, force: true }));
const run = async (args: string[]) => {
  const io = testIo({ cwd: dir, env: { WHEELHOUSE_CONFIG: path } });
  return Object.assign(io, { code: await runWhctl(args, io) });
};

test('config: view redacts, get-contexts marks the current one, set-context and use-context edit the file', async () => {
  writeClientConfig(path, { server: '127.0.0.1:6443', token: 'secret', certificateAuthorityData: 'QUJD' });
  assert.equal((await run(['config', 'current-context'])).out(), 'default\n');
  const view = await run(['config', 'view']);
  assert.equal(
    view.out(),
    'server: 127.0.0.1:6443\ntoken: REDACTED\ncertificateAuthorityData: DATA+OMITTED\n',
  );
  assert.match((await run(['config', 'view', '--raw', '-o', 'json'])).out(), /"token": "secret"/);

  assert.equal(
    (await run(['config', 'set-context', 'team', '--namespace=team-a'])).out(),
    'Context "team" created.\n',
  );
  assert.equal((await run(['config', 'use-context', 'team'])).out(), 'Switched to context "team".\n');
  const contexts = await run(['config', 'get-contexts']);
  assert.match(
    contexts.out(),
    /^CURRENT +NAME +CLUSTER +AUTHINFO +NAMESPACE\n +default +127\.0\.0\.1:6443 +<token>\n\* +team +127\.0\.0\.1:6443 +<token> +team-a\n$/,
  );
  assert.equal((await run(['config', 'get-contexts', '-o', 'name'])).out(), 'default\nteam\n');
  assert.match(readFileSync(path, 'utf8'), /^currentContext: team\n/);
  const minified = await run(['config', 'view', '--minify']);
  assert.match(minified.out(), /contexts:\n {2}- name: team\n/);
  assert.doesNotMatch(minified.out(), /name: default/);

  assert.equal(
    (await run(['config', 'set-context', '--current', '-n', 'team-b'])).out(),
    'Context "team" modified.\n',
  );
  const bad = await run(['config', 'use-context', 'nope']);
  assert.equal(bad.code, 1);
  assert.equal(bad.err(), 'error: no context exists with the name: "nope"\n');
  const other = await run(['config', 'current-context', '--context', 'default']);
  assert.equal(other.out(), 'team\n');
});
