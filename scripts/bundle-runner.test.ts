/**
 * The bundle runner through real processes: a bundle runs as CommonJS in strict mode,
 * its first run writes the code cache of its command, the next one takes it (V8 accepts
 * it), and a cache V8 refuses, or one of another bundle, is never used for this one.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { BUNDLE_HEAD, BUNDLE_TAIL, commandOf } from './bundle-runner.mjs';

const runner = new URL('./bundle-runner.mjs', import.meta.url).href;
const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-bundle-runner-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** A bundle as the build writes it: the hash line, then wrapped CommonJS that reports what it sees. */
function writeBundle(name: string, hash: string, body: string): string {
  mkdirSync(join(dir, 'bin'), { recursive: true });
  const file = join(dir, 'bin', `${name}.cjs`);
  writeFileSync(file, `// wheelhouse-build ${hash}\n${BUNDLE_HEAD}\n${body}\n${BUNDLE_TAIL}\n`);
  return file;
}

const bundleBody = `
function strict() { return this === undefined; }
console.log(JSON.stringify({ strict: strict(), dirname: __dirname, exports: typeof module.exports }));
`;

/** Runs the bundle in a fresh process: what it printed, and what became of the cache. */
function run(file: string, args: string[] = ['get', 'pods']) {
  const probe = `import { runBundle } from ${JSON.stringify(runner)};
    runBundle(new URL(${JSON.stringify(pathToFileURL(file).href)}));`;
  // With -e, argv[1] is the first argument: a stand-in for the launcher's path.
  const result = spawnSync(
    process.execPath,
    ['--input-type=module', '-e', probe, '--', 'launcher', ...args],
    {
      encoding: 'utf8',
      env: { ...process.env, WHEELHOUSE_CODE_CACHE_DEBUG: '1' },
    },
  );
  assert.equal(result.status, 0, result.stderr);
  const cache = /^code cache: (hit|miss|rejected) /m.exec(result.stderr)?.[1];
  return { printed: JSON.parse(result.stdout.trim()) as Record<string, unknown>, cache };
}

const caches = () => readdirSync(join(dir, '.cache')).sort();

describe('runBundle', () => {
  it('runs the bundle as strict CommonJS beside its file', () => {
    const file = writeBundle('tool', 'aaaa', bundleBody);
    assert.deepEqual(run(file).printed, { strict: true, dirname: join(dir, 'bin'), exports: 'object' });
  });

  it("writes its command's cache on the first run and keeps it on the next", () => {
    rmSync(join(dir, '.cache'), { recursive: true, force: true });
    const file = writeBundle('tool', 'bbbb', bundleBody);
    assert.equal(run(file, ['get', 'pods']).cache, 'miss');
    const first = caches();
    assert.equal(first.length, 1);
    assert.match(first[0]!, /^tool-get-bbbb-v\d+\.\d+\.\d+-\w+-[0-9a-f]{8}\.bin$/);
    assert.equal(run(file, ['-n', 'kube-system', 'get', 'pods']).cache, 'hit');
    assert.deepEqual(caches(), first, 'the same command reads the same cache and leaves it');
    assert.equal(run(file, ['apply', '-f', 'x.yaml']).cache, 'miss');
    assert.equal(caches().length, 2, 'another command has a cache of its own');
  });

  it('replaces a cache V8 refuses, and never gives one bundle the cache of another', () => {
    rmSync(join(dir, '.cache'), { recursive: true, force: true });
    const file = writeBundle('tool', 'cccc', bundleBody);
    run(file);
    const [name] = caches();
    writeFileSync(join(dir, '.cache', name!), 'not a code cache');
    const refused = run(file);
    assert.equal(refused.cache, 'rejected');
    assert.deepEqual(refused.printed, { strict: true, dirname: join(dir, 'bin'), exports: 'object' });
    assert.equal(run(file).cache, 'hit', 'the refused cache was replaced');
    // Other content of the same length: V8 would take the old cache; its name keeps it away.
    writeBundle('tool', 'dddd', bundleBody.replace('{ strict:', '{strict: '));
    assert.equal(run(file).cache, 'miss');
    assert.equal(caches().filter((f) => f.includes('-dddd-')).length, 1);
  });
});

describe('commandOf', () => {
  it('finds the command after global flags and their values', () => {
    assert.equal(commandOf(['get', 'pods']), 'get');
    assert.equal(commandOf(['-n', 'kube-system', 'get', 'pods']), 'get');
    assert.equal(commandOf(['--config=/x', 'apply', '-f', 'a']), 'apply');
    assert.equal(commandOf(['--help']), 'none');
    assert.equal(commandOf([]), 'none');
    assert.equal(commandOf(['../weird path']), 'other');
  });
});
