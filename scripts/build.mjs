/**
 * `npm run build`: bundles the TypeScript that runs in production — the components, the
 * SDK and the command-line tools — into `dist/`, so that `bin/wheelhouse.js` and
 * `bin/whctl.js` start without compiling TypeScript and read one file rather than
 * hundreds. It runs at install (`prepare`, which `npm ci` runs), and before `npm start`
 * and the tests.
 *
 * Layout: CommonJS bundles with every dependency but native code — whctl's, and one per
 * `wheelhouse` command (`dist/bin/wheelhouse-apiserver.cjs`, …) so that a component reads
 * and keeps only its own code — and beside them the modules the launchers import
 * (`dist/bin/wheelhouse.js`), which run a bundle with V8's code cache
 * (`scripts/bundle-runner.mjs`): a process compiles only what its cache lacks. Modules
 * that a command does not need stay unevaluated (esbuild wraps every lazily imported module
 * in an init function), so `whctl --help` does not set up the client. The first line of a
 * bundle is the hash of its content, which names its caches.
 *
 * `import.meta.url` in our sources keeps meaning the place the file would have in a
 * per-file layout (`dist/sdk/manifest/schema.js`), so that paths relative to it (the
 * descriptor set, package.json, the launcher) resolve to the copies in `dist/`.
 *
 * Safe while other processes run from `dist/`: the build is written to a private
 * directory, then each file is renamed into place (a rename is atomic); a process reads
 * its whole bundle when it starts. Files of earlier builds that no build wants (the chunks
 * of the earlier split layout, caches of earlier bundles) are removed a day after they
 * were last written. Nothing is done when no input is newer than the last build.
 */

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { build } from 'esbuild';
import { BUNDLE_HEAD, BUNDLE_TAIL } from './bundle-runner.mjs';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist');
/**
 * The bundles, `dist/bin/<name>.cjs`: whctl's; `wheelhouse`'s dispatcher alone (usage,
 * unknown commands); and one per `wheelhouse` command, with only that command's code
 * (bin/wheelhouse.ts names each command where it gates its import on
 * `process.env.WHEELHOUSE_BUNDLE_COMMAND`, which the build replaces by the name).
 */
const wheelhouseCommands = [
  ...readFileSync(join(root, 'bin/wheelhouse.ts'), 'utf8').matchAll(
    /WHEELHOUSE_BUNDLE_COMMAND === '([a-z][a-z-]*)'/g,
  ),
].map((m) => m[1] ?? '');
if (wheelhouseCommands.length === 0) throw new Error('build: bin/wheelhouse.ts names no command');
/** @type {{ name: string, entry: string, command?: string }[]} */
const bundles = [
  { name: 'whctl', entry: 'bin/whctl.ts' },
  { name: 'wheelhouse', entry: 'bin/wheelhouse.ts', command: '' },
  ...wheelhouseCommands.map((command) => ({
    name: `wheelhouse-${command}`,
    entry: 'bin/wheelhouse.ts',
    command,
  })),
];
/** What the launchers import (bin/whctl.js, bin/wheelhouse.js): their bundle, run with its code cache. */
const launchers = {
  whctl: [
    "import { readFileSync } from 'node:fs';\n",
    '// `whctl`, `whctl --help`: the usage the build rendered, without reading the bundle.',
    'const args = process.argv.slice(2);',
    "if (args.length === 0 || (args.length === 1 && ['--help', '-h', 'help'].includes(args[0] ?? ''))) {",
    "  const usage = readFileSync(new URL('./whctl-usage.txt', import.meta.url), 'utf8');",
    '  if (args.length === 0) {',
    '    process.stderr.write(usage);',
    '    process.exitCode = 1;',
    '  } else process.stdout.write(usage);',
    "} else runBundle(new URL('./whctl.cjs', import.meta.url));\n",
  ].join('\n'),
  wheelhouse: [
    "import { existsSync } from 'node:fs';\n",
    '// The bundle of the command alone; the dispatcher for usage and unknown commands.',
    'const command = process.argv[2] ?? "";',
    "const own = /^[a-z][a-z-]*$/.test(command) ? new URL('./wheelhouse-' + command + '.cjs', import.meta.url) : undefined;",
    "runBundle(own !== undefined && existsSync(own) ? own : new URL('./wheelhouse.cjs', import.meta.url));\n",
  ].join('\n'),
};
/** Runs a bundle with the code cache; copied to `dist/bin/`, where the launchers' modules import it. */
const runner = 'scripts/bundle-runner.mjs';
/** The folders whose code can be bundled: a change in one of them means a new build. */
const sources = ['bin', 'sdk', 'store', 'apiserver', 'scheduler', 'controllers', 'kubelet', 'cli'];
/** Files the code reads through `import.meta.url` at run time, copied to the same path. */
const assets = ['package.json', 'sdk/gen/wheelhouse.binpb'];
/** Other inputs of the bundle: the dependencies' versions and this script. */
const inputs = ['package-lock.json', 'scripts/build.mjs', runner];
/**
 * Not bundled: native code, which Node loads from node_modules (classic-level finds its
 * prebuilt binary beside its own files); and @grpc/proto-loader with protobufjs (300 KB),
 * which only servers need (grpc-health-check parses its .proto at import) and grpc-js
 * requires only for channelz and ORCA, so that clients (whctl) do not parse it.
 */
const external = ['classic-level', '@grpc/proto-loader'];
/**
 * Dependencies that name their own files through `__dirname` (grpc-health-check and
 * grpc-js read .proto files, pino and thread-stream start workers by path): bundled with
 * `__dirname` and `__filename` pointing into node_modules, where those files are.
 */
const packagesWithOwnFiles =
  /[\\/]node_modules[\\/](grpc-health-check|@grpc[\\/]grpc-js|pino|thread-stream)[\\/].*\.js$/;
/** Files unwanted for less than this may still be imported by a process started before. */
const keepUnwantedMs = 24 * 60 * 60 * 1000;
const stampFile = join(out, '.build-stamp.json');

/** @param {string} name */
const isSource = (name) => name.endsWith('.ts') && !name.endsWith('.test.ts') && !name.endsWith('.d.ts');
/** @param {string} file */
const mtime = (file) => (existsSync(file) ? statSync(file).mtimeMs : -1);

/** @param {string} dir @param {string[]} files */
function walk(dir, files = []) {
  for (const entry of readdirSync(join(root, dir), { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name !== 'node_modules') walk(path, files);
    } else if (isSource(entry.name)) {
      files.push(path);
    }
  }
  return files;
}

/**
 * What the last build was made from: the newest input's mtime and the number of sources
 * (a deleted or added file changes it even when no mtime grew).
 */
function currentInputs() {
  const files = [...sources.flatMap((dir) => walk(dir)), ...assets, ...inputs];
  return { newest: Math.max(...files.map((f) => mtime(join(root, f)))), files: files.length };
}

/** @returns {{ newest: number, files: number, outputs: string[] } | undefined} */
function lastBuild() {
  try {
    return JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Rewrites `import.meta.url`, `import.meta.dirname` and `import.meta.filename` in one of
 * our sources to the location of its per-file output under `dist/`, computed from the
 * bundle's own path (`__wheelhouseDist`, set by the banner: bundles sit in `dist/bin/`).
 * @type {import('esbuild').Plugin}
 */
const perFileImportMeta = {
  name: 'per-file-import-meta',
  setup(b) {
    b.onLoad({ filter: /\.ts$/ }, (args) => {
      if (args.path.includes('/node_modules/')) return undefined;
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('import.meta.')) return undefined;
      const file = relative(root, args.path).replace(/\.ts$/, '.js');
      const url = `new URL(${JSON.stringify(file)}, __wheelhouseDist)`;
      const contents = text
        .replaceAll('import.meta.url', `${url}.href`)
        .replaceAll('import.meta.filename', `decodeURIComponent(${url}.pathname)`)
        .replaceAll('import.meta.dirname', `decodeURIComponent(new URL(".", ${url}).pathname).slice(0, -1)`);
      return { contents, loader: 'ts' };
    });
  },
};

/**
 * Rewrites `__dirname` and `__filename` in the files of `packagesWithOwnFiles` to their
 * place in node_modules, computed from the bundle file's URL (`__wheelhouseRoot`, set by
 * the banner: `dist/` is in the checkout's root, beside node_modules), so that the bundle
 * keeps working when the checkout moves.
 * @type {import('esbuild').Plugin}
 */
const packageDirname = {
  name: 'package-dirname',
  setup(b) {
    b.onLoad({ filter: packagesWithOwnFiles }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      if (!text.includes('__dirname') && !text.includes('__filename')) return undefined;
      const file = `node_modules/${args.path.split('/node_modules/').pop()}`;
      const url = `new URL(${JSON.stringify(file)}, __wheelhouseRoot)`;
      const contents = text
        .replaceAll('__dirname', `decodeURIComponent(new URL(".", ${url}).pathname).slice(0, -1)`)
        .replaceAll('__filename', `decodeURIComponent(${url}.pathname)`);
      return { contents, loader: 'js' };
    });
  },
};

const started = Date.now();
const inputsNow = currentInputs();
const last = lastBuild();
const upToDate =
  last !== undefined &&
  last.newest >= inputsNow.newest &&
  last.files === inputsNow.files &&
  last.outputs.every((f) => existsSync(join(out, f)));
if (!upToDate) {
  mkdirSync(out, { recursive: true });
  const staging = join(out, `.staging-${process.pid}`);
  rmSync(staging, { recursive: true, force: true });
  try {
    const results = await Promise.all(
      bundles.map(async ({ name, entry, command }) => {
        const result = await build({
          absWorkingDir: root,
          entryPoints: [entry],
          define:
            command === undefined ? {} : { 'process.env.WHEELHOUSE_BUNDLE_COMMAND': JSON.stringify(command) },
          outfile: join(staging, 'bin', `${name}.cjs`),
          bundle: true,
          format: 'cjs',
          platform: 'node',
          target: 'node20',
          // Dynamic imports become require(): a bundle is run as a script, which has no import().
          supported: { 'dynamic-import': false },
          charset: 'ascii',
          external,
          banner: {
            js: [
              'const __wheelhouseDist = new URL("../", require("node:url").pathToFileURL(__filename));',
              'const __wheelhouseRoot = new URL("../", __wheelhouseDist);',
            ].join(' '),
          },
          plugins: [perFileImportMeta, packageDirname],
          metafile: true,
          write: false,
          logLevel: 'error',
        });
        return { name, result };
      }),
    );
    const outputs = [];
    /** @type {{ inputs: Record<string, unknown>, outputs: Record<string, unknown> }} */
    const metafile = { inputs: {}, outputs: {} };
    const hashes = [];
    mkdirSync(join(staging, 'bin'), { recursive: true });
    for (const { name, result } of results) {
      for (const output of result.outputFiles) {
        // The bundle is the source V8 keeps: no copy of it is made at run time (scripts/bundle-runner.mjs).
        const wrapped = `${BUNDLE_HEAD}\n${output.text}\n${BUNDLE_TAIL}\n`;
        const hash = createHash('sha256').update(wrapped).digest('hex').slice(0, 16);
        hashes.push(hash);
        const bundle = `bin/${name}.cjs`;
        writeFileSync(join(staging, bundle), `// wheelhouse-build ${hash}\n${wrapped}`);
        outputs.push(bundle);
      }
      Object.assign(metafile.inputs, result.metafile.inputs);
      Object.assign(metafile.outputs, result.metafile.outputs);
    }
    for (const [name, body] of Object.entries(launchers)) {
      writeFileSync(
        join(staging, 'bin', `${name}.js`),
        `// Written by scripts/build.mjs.\nimport { runBundle } from './bundle-runner.js';\n${body}`,
      );
      outputs.push(`bin/${name}.js`);
    }
    copyFileSync(join(root, runner), join(staging, 'bin', 'bundle-runner.js'));
    outputs.push('bin/bundle-runner.js');
    // whctl's usage, rendered by the bundle itself, so that it never differs from it.
    const render = join(staging, 'bin', 'render-usage.mjs');
    writeFileSync(
      render,
      "import { runBundle } from './bundle-runner.js';\nrunBundle(new URL('./whctl.cjs', import.meta.url), { command: 'help' });\n",
    );
    const usage = spawnSync(process.execPath, [render, '--help'], { encoding: 'utf8' });
    if (usage.status !== 0 || usage.stdout === '')
      throw new Error(`build: whctl --help failed: ${usage.stderr}`);
    writeFileSync(join(staging, 'bin', 'whctl-usage.txt'), usage.stdout);
    outputs.push('bin/whctl-usage.txt');
    for (const asset of assets) {
      const target = join(staging, asset);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(root, asset), target);
      outputs.push(asset);
    }
    // Bundles first, so that a launcher's module never names a bundle that is not in place yet.
    outputs.sort((a, b) => Number(b.endsWith('.cjs')) - Number(a.endsWith('.cjs')));
    for (const file of outputs) {
      mkdirSync(dirname(join(out, file)), { recursive: true });
      renameSync(join(staging, file), join(out, file));
    }
    // What went into which bundle, for `esbuild --analyze`-style questions.
    writeFileSync(join(out, '.build-meta.json'), JSON.stringify(metafile));
    writeFileSync(`${stampFile}.${process.pid}`, JSON.stringify({ ...inputsNow, outputs }));
    renameSync(`${stampFile}.${process.pid}`, stampFile);

    // Files of earlier builds (or of earlier layouts) that this one does not use: removed
    // once they are old enough that no process still wants them. Caches of this build's
    // bundles are wanted.
    const wanted = new Set([...outputs, relative(out, stampFile), '.build-meta.json']);
    const isWanted = (/** @type {string} */ rel) =>
      wanted.has(rel) || (rel.startsWith('.cache/') && hashes.some((h) => rel.includes(h)));
    let removed = 0;
    /** @param {string} dir */
    const prune = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const rel = relative(out, path);
        if (entry.isDirectory()) {
          if (!entry.name.startsWith('.staging-')) prune(path);
          if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
        } else if (!isWanted(rel) && !entry.name.startsWith('.build-stamp')) {
          if (Date.now() - statSync(path).mtimeMs < keepUnwantedMs) continue;
          rmSync(path, { force: true });
          removed++;
        }
      }
    };
    prune(out);
    process.stdout.write(
      `build: ${outputs.length} file(s) bundled into dist/ in ${Date.now() - started} ms` +
        `${removed > 0 ? `, ${removed} old file(s) removed` : ''}\n`,
    );
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
}
