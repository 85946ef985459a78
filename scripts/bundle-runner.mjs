/**
 * Runs one of the bundles `npm run build` writes (`dist/bin/<name>.cjs`) with V8's code
 * cache, which Node 20 offers no module loader for: compiling the JavaScript of a process
 * (grpc-js, the generated codecs, ours) was a large share of a short command's CPU time
 * (`whctl get pods`) and of each component's start.
 *
 * The cache holds the bytecode of every function the process had compiled when it was
 * taken: at exit, or 30 s after the start for a process that keeps running. It is kept per
 * command (`get`, `apiserver`, …), so that each holds what that command runs, in
 * `dist/.cache/`, named by the bundle's content hash (first line of the bundle, written by
 * the build), Node's version and its flags (V8 refuses a cache made under other flags, and
 * takes it on the size of the source alone: the name keeps a cache to its bundle). A cache
 * V8 rejects is replaced; one that cannot be written (a read-only checkout) is not used.
 * Files are replaced by a rename, so that concurrent processes never read half a cache.
 *
 * The bundle is CommonJS, which the build wraps in a function of `require`, `module`,
 * `__filename` and `__dirname` (`BUNDLE_HEAD`, `BUNDLE_TAIL`), as Node's own loader would
 * at run time: so the string read from the file is the script's source as it is, kept
 * outside V8's heap (a large Latin-1 string is external), not copied again into a wrapper. `WHEELHOUSE_CODE_CACHE_DEBUG=1` prints
 * on stderr whether the cache was taken (`hit`), missing (`miss`) or refused (`rejected`).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';

/**
 * What the build writes around a bundle: a function of CommonJS's arguments, strict as ES
 * modules were (the bundle's own "use strict" follows the banner, too late to count).
 */
export const BUNDLE_HEAD = '(function (exports, require, module, __filename, __dirname) {"use strict";';
export const BUNDLE_TAIL = '})';
/** The first line of a bundle: the build's hash of the rest. */
const BUILD_LINE = /^\/\/ wheelhouse-build ([0-9a-f]+)\n/;
/** A process still running after this long has compiled what it starts with. */
const WRITE_AFTER_MS = 30_000;

/**
 * The command of a command line, which names its cache: the first word that is neither a
 * flag nor the value of one (flags before the command take a value: `-n NS`, `--config F`).
 * @param {readonly string[]} argv
 */
export function commandOf(argv) {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('-')) {
      if (!arg.includes('=')) i++;
      continue;
    }
    return /^[a-z][a-z0-9-]{0,39}$/.test(arg) ? arg : 'other';
  }
  return 'none';
}

/** FNV-1a, 32 bits: names a set of flags in a file name. @param {string} text */
function shortHash(text) {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16).padStart(8, '0');
}

/**
 * Runs the bundle at `url` in this process, its code cache for `command` used and written.
 * @param {URL} url
 * @param {{ command?: string, cacheDir?: string }} [options]
 */
export function runBundle(url, options = {}) {
  const file = fileURLToPath(url);
  // The build writes ASCII (esbuild escapes the rest): latin1 is the cheapest exact decoding.
  const source = readFileSync(file, 'latin1');
  const build = BUILD_LINE.exec(source)?.[1];
  const command = options.command ?? commandOf(process.argv.slice(2));
  const flags = shortHash(`${process.execArgv.join(' ')}\0${process.env.NODE_OPTIONS ?? ''}`);
  const name = file.replace(/^.*[\\/]/, '').replace(/\.cjs$/, '');
  const cacheDir = options.cacheDir ?? join(dirname(file), '..', '.cache');
  const cacheFile =
    build === undefined
      ? undefined
      : join(cacheDir, `${name}-${command}-${build}-${process.version}-${process.arch}-${flags}.bin`);

  /** @type {Buffer | undefined} */
  let cachedData;
  if (cacheFile !== undefined) {
    try {
      cachedData = readFileSync(cacheFile);
    } catch {
      // None yet: this run writes it.
    }
  }
  const script = new Script(source, { filename: file, ...(cachedData ? { cachedData } : {}) });
  if (process.env.WHEELHOUSE_CODE_CACHE_DEBUG === '1') {
    const outcome = cachedData === undefined ? 'miss' : script.cachedDataRejected ? 'rejected' : 'hit';
    process.stderr.write(`code cache: ${outcome} ${cacheFile ?? '(no build hash)'}\n`);
  }
  if (cacheFile !== undefined && (cachedData === undefined || script.cachedDataRejected === true)) {
    let written = false;
    const write = () => {
      if (written) return;
      written = true;
      try {
        mkdirSync(cacheDir, { recursive: true });
        const partial = `${cacheFile}.${process.pid}`;
        writeFileSync(partial, script.createCachedData());
        renameSync(partial, cacheFile);
      } catch {
        // A read-only checkout: every run compiles, as without a cache.
      }
    };
    process.once('exit', write);
    setTimeout(write, WRITE_AFTER_MS).unref();
  }
  const module = { exports: {} };
  script.runInThisContext()(module.exports, createRequire(file), module, file, dirname(file));
}
