import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import {
  DEFAULT_CONTEXT,
  loadClientConfig,
  readClientConfig,
  readClientConfigFile,
  writeClientConfig,
  writeClientConfigFile,
} from './client-config.js';

const root = mkdtempSync(join(tmpdir(), 'wheelhouse-config-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** A working folder, a home folder, and a config in each of the places searched. */
function layout(name: string) {
  const base = join(root, name);
  const cwd = join(base, 'work');
  const home = join(base, 'home');
  const files = {
    explicit: join(base, 'explicit.yaml'),
    env: join(base, 'from-env.yaml'),
    local: join(cwd, '.wheelhouse', 'admin.yaml'),
    home: join(home, '.wheelhouse', 'config'),
  };
  for (const [which, path] of Object.entries(files)) writeClientConfig(path, { server: `${which}:6443` });
  return { cwd, home, files };
}

describe('loadClientConfig search order', () => {
  test('--config, then $WHEELHOUSE_CONFIG, then ./.wheelhouse/admin.yaml, then ~/.wheelhouse/config', () => {
    const { cwd, home, files } = layout('order');
    const env = { WHEELHOUSE_CONFIG: files.env };
    assert.equal(loadClientConfig({ explicitPath: files.explicit, env, cwd, home }).server, 'explicit:6443');
    assert.equal(loadClientConfig({ env, cwd, home }).server, 'env:6443');
    assert.equal(loadClientConfig({ env: {}, cwd, home }).server, 'local:6443');
    rmSync(files.local);
    assert.equal(loadClientConfig({ env: {}, cwd, home }).server, 'home:6443');
    const loaded = loadClientConfig({ env: {}, cwd, home });
    assert.equal(loaded.path, files.home);
  });

  test('a relative --config resolves against the working folder', () => {
    const { cwd, home } = layout('relative-flag');
    writeClientConfig(join(cwd, 'mine.yaml'), { server: 'mine:1' });
    assert.equal(loadClientConfig({ explicitPath: 'mine.yaml', env: {}, cwd, home }).server, 'mine:1');
  });

  test('a named file that does not exist is an error, not a fallback', () => {
    const { cwd, home } = layout('missing-named');
    assert.throws(
      () => loadClientConfig({ explicitPath: join(cwd, 'nope.yaml'), env: {}, cwd, home }),
      /nope\.yaml \(from --config\) does not exist/,
    );
    assert.throws(
      () => loadClientConfig({ env: { WHEELHOUSE_CONFIG: '/nowhere.yaml' }, cwd, home }),
      /\/nowhere\.yaml \(from \$WHEELHOUSE_CONFIG\) does not exist/,
    );
  });

  test('nothing found: the error lists every place looked', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    const error = (() => {
      try {
        loadClientConfig({ env: {}, cwd: empty, home: empty });
      } catch (err) {
        return (err as Error).message;
      }
      return '';
    })();
    assert.match(error, /--config/);
    assert.match(error, /\$WHEELHOUSE_CONFIG/);
    assert.ok(error.includes(join(empty, '.wheelhouse', 'admin.yaml')), error);
    assert.ok(error.includes(join(empty, '.wheelhouse', 'config')), error);
  });
});

describe('readClientConfig', () => {
  test('relative paths resolve against the file folder; absolute paths and data stay', () => {
    const dir = join(root, 'paths', 'data');
    const path = join(dir, 'admin.yaml');
    writeClientConfig(path, {
      server: '127.0.0.1:6443',
      certificateAuthority: 'pki/ca.crt',
      clientCertificate: '/etc/wheelhouse/admin.crt',
      clientKey: '../keys/admin.key',
      serverName: 'wheelhouse-apiserver',
    });
    const config = readClientConfig(path);
    assert.equal(config.certificateAuthority, join(dir, 'pki', 'ca.crt'));
    assert.equal(config.clientCertificate, '/etc/wheelhouse/admin.crt');
    assert.equal(config.clientKey, join(root, 'paths', 'keys', 'admin.key'));
    assert.equal(config.serverName, 'wheelhouse-apiserver');
    assert.equal(config.path, path);
  });

  test('written files are 0600 and round-trip', () => {
    const path = join(root, 'roundtrip', 'c.yaml');
    const config = { server: 'h:1', certificateAuthorityData: 'QUJD', token: 'secret' };
    writeClientConfig(path, config);
    assert.equal(statSync(path).mode & 0o777, 0o600);
    const { path: _path, ...read } = readClientConfig(path);
    assert.deepEqual(read, config);
  });

  test('mistakes are reported all at once, by field', () => {
    const path = join(root, 'bad.yaml');
    writeFileSync(
      path,
      'clientCert: a.crt\ncertificateAuthority: ca.crt\ncertificateAuthorityData: QUJD\nclientKey: k.key\ntoken: 5\n',
    );
    assert.throws(
      () => readClientConfig(path),
      (err: Error) => {
        for (const part of [
          'clientCert: unknown field',
          'server: required',
          'token: must be a string',
          'certificateAuthority: give either certificateAuthority or certificateAuthorityData',
          'clientCertificate and clientKey go together',
        ]) {
          assert.ok(err.message.includes(part), `${part} missing from: ${err.message}`);
        }
        return true;
      },
    );
    writeFileSync(path, '- not\n- a mapping\n');
    assert.throws(() => readClientConfig(path), /expected a mapping/);
    writeFileSync(path, 'server: [unclosed\n');
    assert.throws(() => readClientConfig(path), /bad\.yaml/);
    assert.throws(() => writeClientConfig(path, { server: '' }), /server: required/);
  });
});

describe('contexts', () => {
  test('a file of several contexts loads the current one, or the one named; relative paths resolve', () => {
    const path = join(root, 'contexts', 'multi.yaml');
    writeClientConfigFile(path, {
      currentContext: 'b',
      contexts: [
        { name: 'a', server: 'a:1', certificateAuthority: 'pki/ca.crt' },
        { name: 'b', server: 'b:1', namespace: 'team-b' },
      ],
    });
    const current = readClientConfig(path);
    assert.equal(current.server, 'b:1');
    assert.equal(current.context, 'b');
    assert.equal(current.namespace, 'team-b');
    const named = loadClientConfig({ explicitPath: path, context: 'a', env: {}, cwd: root });
    assert.equal(named.certificateAuthority, join(root, 'contexts', 'pki', 'ca.crt'));
    assert.throws(() => readClientConfig(path, 'c'), /no context named "c"; it has "a", "b"/);
  });

  test('a flat file is the one context "default" and is written back flat', () => {
    const path = join(root, 'contexts', 'flat.yaml');
    writeClientConfig(path, { server: 'h:1' });
    const file = readClientConfigFile(path);
    assert.deepEqual(file, {
      currentContext: DEFAULT_CONTEXT,
      contexts: [{ name: 'default', server: 'h:1' }],
    });
    writeClientConfigFile(path, file);
    assert.equal(readFileSync(path, 'utf8'), 'server: h:1\n');
    assert.equal(readClientConfig(path, 'default').server, 'h:1');
    assert.throws(() => readClientConfig(path, 'prod'), /no context named "prod"/);
  });

  test('mistakes in contexts are reported with their place', () => {
    const path = join(root, 'contexts', 'bad.yaml');
    writeFileSync(path, 'contexts:\n  - name: a\n    server: a:1\n  - name: a\n    server: b:1\n');
    assert.throws(() => readClientConfig(path, 'a'), /contexts\[1\]: name: "a" is given twice/);
    writeFileSync(path, 'contexts:\n  - name: a\n    bogus: 1\n');
    assert.throws(() => readClientConfig(path, 'a'), /contexts\[0\]: bogus: unknown field; server: required/);
    writeFileSync(path, 'contexts:\n  - name: a\n    server: a:1\n');
    assert.throws(() => readClientConfig(path), /currentContext is not set/);
  });
});
