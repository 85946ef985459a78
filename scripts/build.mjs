/**
 * `npm run build`: compiles the TypeScript that runs in production — the components,
 * the SDK and the command-line tools — into `dist/`, one JavaScript file per source
 * file at the same relative path, so that `bin/wheelhouse.js` and `bin/whctl.js` start
 * without compiling anything. It runs at install (`prepare`, which `npm ci` runs), and
 * before `npm start` and the tests.
 *
 * Transpile only (esbuild): types are checked by `npm run typecheck`. A file is compiled
 * again only when its source is newer than its output, and outputs whose source is gone
 * are removed, so a run with nothing to do costs a directory walk. Plain JavaScript, so
 * that it starts without a TypeScript loader. Files read at run time beside the code
 * (the descriptor set, package.json) are copied.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';

const root = new URL('..', import.meta.url).pathname;
const out = join(root, 'dist');
/** The folders whose code runs outside the tests. */
const sources = ['bin', 'sdk', 'store', 'apiserver', 'scheduler', 'controllers', 'kubelet', 'cli'];
/** Files the code reads through `import.meta.url` at run time. */
const assets = ['package.json', 'sdk/gen/wheelhouse.binpb'];

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

const started = Date.now();
const wanted = new Set();
const stale = [];
for (const file of sources.flatMap((dir) => walk(dir))) {
  const target = join(out, file.replace(/\.ts$/, '.js'));
  wanted.add(target);
  if (mtime(target) < mtime(join(root, file))) stale.push(join(root, file));
}
if (stale.length > 0) {
  await build({
    entryPoints: stale,
    outbase: root,
    outdir: out,
    bundle: false,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    logLevel: 'error',
  });
}
for (const asset of assets) {
  const target = join(out, asset);
  wanted.add(target);
  if (mtime(target) >= mtime(join(root, asset))) continue;
  mkdirSync(dirname(target), { recursive: true });
  copyFileSync(join(root, asset), target);
}

// Outputs of sources that were deleted or renamed would otherwise linger and load.
let removed = 0;
/** @param {string} dir */
const prune = (dir) => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) prune(path);
    else if (!wanted.has(path)) {
      rmSync(path);
      removed++;
    }
  }
};
prune(out);

if (stale.length > 0 || removed > 0) {
  process.stdout.write(
    `build: ${stale.length} file(s) compiled and ${removed} removed in dist/ in ${Date.now() - started} ms\n`,
  );
}
