/**
 * `npm run build`: bundles the TypeScript that runs in production — the components, the
 * SDK and the command-line tools — into `dist/`, so that `bin/wheelhouse.js` and
 * `bin/whctl.js` start without compiling anything and read a handful of files rather than
 * hundreds. It runs at install (`prepare`, which `npm ci` runs), and before `npm start`
 * and the tests.
 *
 * Layout: one entry per launcher (`dist/bin/wheelhouse.js`, `dist/bin/whctl.js`) and the
 * code they share split into content-named chunks (`dist/chunks/`), so that a process
 * loads only the chunks its command imports (`whctl --help` does not load the client, the
 * store does not load the apiserver). Dependencies are bundled too, except native code.
 *
 * `import.meta.url` in our sources keeps meaning the place the file would have in a
 * per-file layout (`dist/sdk/manifest/schema.js`), so that paths relative to it (the
 * descriptor set, package.json, the launcher) resolve to the copies in `dist/`.
 *
 * Safe while other processes run from `dist/`: the bundle is written to a private
 * directory, then each file is renamed into place (a rename is atomic); chunks are named
 * by their content, so a process started from an earlier build still finds the chunks it
 * imports later (a kind's code is loaded on its first call, maybe hours after start).
 * Every build rewrites the chunks it wants, so a file's mtime is the last build that
 * wanted it; files no build wants are removed a day after that.
 * Nothing is done when no input is newer than the last build.
 */
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

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist');
/** The launchers' programs: each is bundled with what it imports. */
const entries = ['bin/wheelhouse.ts', 'bin/whctl.ts'];
/** The folders whose code can be bundled: a change in one of them means a new build. */
const sources = ['bin', 'sdk', 'store', 'apiserver', 'scheduler', 'controllers', 'kubelet', 'cli'];
/** Files the code reads through `import.meta.url` at run time, copied to the same path. */
const assets = ['package.json', 'sdk/gen/wheelhouse.binpb'];
/** Other inputs of the bundle: the dependencies' versions and this script. */
const inputs = ['package-lock.json', 'scripts/build.mjs'];
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
 * bundle file's own URL: entries and chunks both sit one folder below `dist/`.
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
      const url = `new URL(${JSON.stringify(file)}, new URL("../", import.meta.url))`;
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
      // Not import.meta here: it would make esbuild take the CommonJS file for an ES module.
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
    const result = await build({
      absWorkingDir: root,
      entryPoints: entries,
      outbase: root,
      outdir: staging,
      entryNames: '[dir]/[name]',
      chunkNames: 'chunks/[name]-[hash]',
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      external,
      // Bundled CommonJS dependencies call require(); an ES module has none of its own.
      banner: {
        js: [
          "import { createRequire as __createRequire } from 'node:module';",
          'const require = __createRequire(import.meta.url);',
          'const __wheelhouseRoot = new URL("../../", import.meta.url);',
        ].join(' '),
      },
      plugins: [perFileImportMeta, packageDirname],
      metafile: true,
      logLevel: 'error',
    });
    const outputs = Object.keys(result.metafile.outputs).map((f) => relative(staging, join(root, f)));
    for (const asset of assets) {
      const target = join(staging, asset);
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(join(root, asset), target);
      outputs.push(asset);
    }
    // Chunks first, so that an entry never names a chunk that is not in place yet.
    outputs.sort((a, b) => Number(b.startsWith('chunks/')) - Number(a.startsWith('chunks/')));
    for (const file of outputs) {
      mkdirSync(dirname(join(out, file)), { recursive: true });
      renameSync(join(staging, file), join(out, file));
    }
    // What went into which file, for `esbuild --analyze`-style questions (what does a chunk hold?).
    writeFileSync(join(out, '.build-meta.json'), JSON.stringify(result.metafile));
    writeFileSync(`${stampFile}.${process.pid}`, JSON.stringify({ ...inputsNow, outputs }));
    renameSync(`${stampFile}.${process.pid}`, stampFile);

    // Files of earlier builds (or of the earlier per-file layout) that this one does not
    // use: removed, chunks once they are old enough that no process still wants them.
    const wanted = new Set([...outputs, relative(out, stampFile), '.build-meta.json']);
    let removed = 0;
    /** @param {string} dir */
    const prune = (dir) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        const rel = relative(out, path);
        if (entry.isDirectory()) {
          if (!entry.name.startsWith('.staging-')) prune(path);
          if (readdirSync(path).length === 0) rmSync(path, { recursive: true });
        } else if (!wanted.has(rel) && !entry.name.startsWith('.build-stamp')) {
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
