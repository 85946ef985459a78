/**
 * Regenerates everything derived from the API:
 *   1. proto/wheelhouse/<group>/v1/<kind>_service.proto from sdk/kinds.ts,
 *   2. the TypeScript SDK in sdk/gen/ (buf generate with the local ts-proto plugin),
 *   3. sdk/gen/wheelhouse.binpb, the descriptor set that gRPC reflection serves.
 * With --check it writes nothing and fails when any of them is stale.
 *
 * One rewrite follows ts-proto: the grpc-js service definitions it emits serialize with
 * `Buffer.from(X.encode(value).finish())`, a fresh growing writer and two copies per
 * message; they are made to call `encodeToBuffer(X, value)` (sdk/wire/encode-to-buffer.ts),
 * which reuses one writer and copies once. Generation fails if ts-proto's output no longer
 * has the shape this rewrite expects.
 */
import { execFileSync } from 'node:child_process';
import {
  cpSync,
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { kinds } from '../sdk/kinds.js';
import { renderServiceProto, serviceProtoPath } from './service-protos.js';

const check = process.argv.includes('--check');
const root = new URL('..', import.meta.url).pathname;
const buf = join(root, 'node_modules/.bin/buf');
const stale: string[] = [];

function listFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => statSync(join(dir, f)).isFile())
    .sort();
}

for (const info of kinds) {
  const path = join(root, serviceProtoPath(info));
  const text = renderServiceProto(info);
  const current = existsSync(path) ? readFileSync(path, 'utf8') : undefined;
  if (current === text) continue;
  if (check) stale.push(relative(root, path));
  else writeFileSync(path, text);
}

const work = mkdtempSync(join(tmpdir(), 'wheelhouse-proto-'));
try {
  if (check && stale.length > 0) {
    // The SDK would be generated from stale protos; report what we know.
  } else {
    execFileSync(buf, ['generate', '--output', work], { cwd: root, stdio: 'inherit' });
    execFileSync(buf, ['build', '-o', join(work, 'sdk/gen/wheelhouse.binpb')], {
      cwd: root,
      stdio: 'inherit',
    });
    const fresh = join(work, 'sdk/gen');
    const committed = join(root, 'sdk/gen');
    for (const f of listFiles(fresh)) if (f.endsWith('.ts')) useSharedEncoder(join(fresh, f), f);
    if (check) {
      const a = listFiles(fresh);
      const b = listFiles(committed);
      for (const f of new Set([...a, ...b])) {
        const x = existsSync(join(fresh, f)) ? readFileSync(join(fresh, f)) : undefined;
        const y = existsSync(join(committed, f)) ? readFileSync(join(committed, f)) : undefined;
        if (!x || !y || !x.equals(y)) stale.push(`sdk/gen/${f}`);
      }
    } else {
      rmSync(committed, { recursive: true, force: true });
      cpSync(fresh, committed, { recursive: true });
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}

/** Rewrites the service definitions' serializers of one generated file (`path`, at `name` in sdk/gen). */
function useSharedEncoder(path: string, name: string): void {
  const text = readFileSync(path, 'utf8');
  const serializers = text.replace(
    /Buffer\.from\((\w+)\.encode\(value\)\.finish\(\)\)/g,
    'encodeToBuffer($1, value)',
  );
  if (serializers === text) return;
  const wireImport = 'import { BinaryReader, BinaryWriter } from "@bufbuild/protobuf/wire";\n';
  if (!text.includes(wireImport)) throw new Error(`sdk/gen/${name}: no import of the wire module to follow`);
  const helper = relative(dirname(join('sdk/gen', name)), 'sdk/wire/encode-to-buffer.js');
  const rewritten = serializers.replace(
    wireImport,
    `${wireImport}import { encodeToBuffer } from "${helper}";\n`,
  );
  if (/Serialize: \(value: \w+\): Buffer =>\s*Buffer\.from/.test(rewritten)) {
    throw new Error(`sdk/gen/${name}: a serializer is left that encodeToBuffer does not replace`);
  }
  writeFileSync(path, rewritten);
}

if (stale.length > 0) {
  console.error(
    `Generated API code is stale; run \`npm run proto:gen\` and commit:\n  ${stale.join('\n  ')}`,
  );
  process.exit(1);
}
console.log(check ? 'generated API code is up to date' : 'generated API code written');
