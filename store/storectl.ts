/** `wheelhouse storectl`: the store's etcdctl, for operators. It speaks the unary RPCs and Watch. */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { credentials } from '@grpc/grpc-js';
import { typesOf } from '../sdk/kind-registry.js';
import { resolveResource } from '../sdk/kinds.js';
import { encodeObject } from '../sdk/manifest/index.js';
import { StoreClient } from './client.js';
import { DEFAULT_STORE_ADDRESS, DEFAULT_STORE_DATA_DIR } from './main.js';
import { restoreSnapshot, saveSnapshot } from './snapshot.js';

/** Where `wheelhouse up` keeps its cluster by default, and the store port it gives it. */
const UP_DATA_DIR = '.wheelhouse';
const UP_STORE_ADDRESS = '127.0.0.1:2379';

import type { Event, KeyValue } from './types.js';

const usage = `Usage: wheelhouse storectl [flags] <command> [args]

Commands:
  get KEY [--rev N]                          one key
  get PREFIX --prefix [--keys-only] [--limit N] [--rev N]
                                             the keys under a prefix, in key order
  watch PREFIX [--rev N]                     every change under PREFIX after revision N (default: from now)
  put KEY VALUE                              write a key (creates it, or overwrites it)
  del KEY                                    delete a key
  status                                     revision, compacted revision, keys, database size
  compact [REV]                              discard history at and below REV (default: the current revision)
  snapshot save FILE                         every key at the current revision into FILE (a backup)
  snapshot restore FILE --data-dir DIR       a new store data dir from FILE (DIR/db must not exist);
                                             start the store with --data-dir DIR (or on DIR/db)

Flags:
  --endpoint HOST:PORT   the store (default ${UP_STORE_ADDRESS} when ./${UP_DATA_DIR} is a cluster of
                         \`wheelhouse up\`, else ${DEFAULT_STORE_ADDRESS})
  --data-dir DIR         the data dir whose pki/store/ holds the client certificate (default
                         ./${UP_DATA_DIR} when it is a cluster of \`wheelhouse up\`, else ${DEFAULT_STORE_DATA_DIR})
  --cacert, --cert, --key FILE   TLS files instead of those of the data dir
  --insecure             plaintext, for a store started with --insecure
  -w, --output FORMAT    simple (values of known kinds as JSON), json (one object a line) or raw (values as stored)
`;

export interface StorectlIo {
  readonly out: NodeJS.WritableStream;
  /** Ends a watch; SIGINT by default. */
  readonly signal?: AbortSignal;
}

type Output = 'simple' | 'json' | 'raw';

/** A value shown for people: a known kind's object as JSON, text as text, anything else as base64. */
function showValue(key: string, value: Buffer): unknown {
  const resource = /^\/registry\/([^/]+)\//.exec(key)?.[1];
  const info = resource ? resolveResource(resource) : undefined;
  if (info) {
    try {
      // The manifest form: what `whctl get -o json` prints (managed fields as their trees).
      return encodeObject(info, typesOf(info).message.decode(value));
    } catch {
      // Not that kind's encoding after all: fall through.
    }
  }
  const text = value.toString('utf8');
  const printable = value.every((byte) => byte >= 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d);
  return printable && Buffer.from(text, 'utf8').equals(value) ? text : { base64: value.toString('base64') };
}

function printKv(out: NodeJS.WritableStream, output: Output, kv: KeyValue, keysOnly: boolean): void {
  if (output === 'json') {
    const { value, ...meta } = kv;
    out.write(`${JSON.stringify(keysOnly ? meta : { ...meta, value: showValue(kv.key, value) })}\n`);
    return;
  }
  out.write(`${kv.key}\n`);
  if (keysOnly) return;
  if (output === 'raw') {
    out.write(kv.value);
    out.write('\n');
    return;
  }
  const shown = showValue(kv.key, kv.value);
  out.write(`${typeof shown === 'string' ? shown : JSON.stringify(shown)}\n`);
}

function printEvent(out: NodeJS.WritableStream, output: Output, event: Event): void {
  if (output === 'json') {
    out.write(
      `${JSON.stringify({
        type: event.type.toUpperCase(),
        key: event.kv.key,
        modRevision: event.kv.modRevision,
        ...(event.type === 'put' ? { value: showValue(event.kv.key, event.kv.value) } : {}),
      })}\n`,
    );
    return;
  }
  out.write(`${event.type.toUpperCase()} ${event.kv.modRevision}\n`);
  printKv(out, output, event.kv, event.type === 'delete');
}

function revisionArg(value: string | undefined, name: string): number {
  const n = Number(value ?? 0);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`${name} must be a non-negative integer, not ${value}`);
  return n;
}

export async function runStorectl(argv: string[], io: StorectlIo = { out: process.stdout }): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      endpoint: { type: 'string' },
      'data-dir': { type: 'string' },
      cacert: { type: 'string' },
      cert: { type: 'string' },
      key: { type: 'string' },
      insecure: { type: 'boolean' },
      output: { type: 'string', short: 'w' },
      prefix: { type: 'boolean' },
      'keys-only': { type: 'boolean' },
      limit: { type: 'string' },
      rev: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || command === undefined) {
    io.out.write(usage);
    if (command === undefined && !values.help) throw new Error('no command given');
    return;
  }
  if (command === 'snapshot' && args[0] === 'restore') {
    // No store to talk to: this builds a data dir from the file.
    if (args.length !== 2 || values['data-dir'] === undefined)
      throw new Error('snapshot restore takes a FILE and --data-dir DIR (the new store data dir)');
    const { revision, keys } = await restoreSnapshot(args[1]!, resolve(values['data-dir']));
    io.out.write(`restored ${keys} keys at revision ${revision} into ${resolve(values['data-dir'])}\n`);
    return;
  }
  const output = (values.output ?? 'simple') as Output;
  if (!['simple', 'json', 'raw'].includes(output)) throw new Error(`--output must be simple, json or raw`);
  // With no flags, from the folder `npm start` ran in: the cluster `wheelhouse up` made.
  const upLayout = values['data-dir'] === undefined && existsSync(join(UP_DATA_DIR, 'pki', 'store'));
  const dataDir = values['data-dir'] ?? (upLayout ? UP_DATA_DIR : DEFAULT_STORE_DATA_DIR);
  const pkiDir = join(resolve(dataDir), 'pki', 'store');
  const read = (file: string | undefined, fallback: string) => readFileSync(file ?? join(pkiDir, fallback));
  const client = new StoreClient({
    address: values.endpoint ?? (upLayout ? UP_STORE_ADDRESS : DEFAULT_STORE_ADDRESS),
    credentials: values.insecure
      ? credentials.createInsecure()
      : credentials.createSsl(
          read(values.cacert, 'ca.crt'),
          read(values.key, 'apiserver-client.key'),
          read(values.cert, 'apiserver-client.crt'),
        ),
    // The store's certificate names localhost; the endpoint is usually an address.
    channelOptions: { 'grpc.ssl_target_name_override': 'localhost', 'grpc.default_authority': 'localhost' },
  });
  const need = (n: number, what: string) => {
    if (args.length !== n) throw new Error(`${command} takes ${what}`);
  };
  try {
    switch (command) {
      case 'get': {
        need(1, values.prefix ? 'a PREFIX' : 'a KEY');
        const revision = revisionArg(values.rev, '--rev');
        const keysOnly = values['keys-only'] ?? false;
        if (values.prefix) {
          const res = await client.list(args[0]!, {
            revision,
            limit: revisionArg(values.limit, '--limit'),
            keysOnly,
          });
          for (const kv of res.kvs) printKv(io.out, output, kv, keysOnly);
        } else {
          const { kv } = await client.get(args[0]!, revision);
          if (kv) printKv(io.out, output, kv, keysOnly);
        }
        return;
      }
      case 'watch': {
        need(1, 'a PREFIX');
        const ac = new AbortController();
        const stop = () => ac.abort();
        process.once('SIGINT', stop);
        io.signal?.addEventListener('abort', stop);
        try {
          const watch = client.watch(args[0]!, revisionArg(values.rev, '--rev'), { signal: ac.signal });
          for await (const batch of watch)
            for (const event of batch.events) printEvent(io.out, output, event);
        } finally {
          process.off('SIGINT', stop);
        }
        return;
      }
      case 'put': {
        need(2, 'a KEY and a VALUE');
        const value = Buffer.from(args[1]!);
        const { kv } = await client.get(args[0]!);
        const written = kv ? await client.update(args[0]!, value, 0) : await client.create(args[0]!, value);
        io.out.write(`OK ${written.modRevision}\n`);
        return;
      }
      case 'del': {
        need(1, 'a KEY');
        const { revision } = await client.delete(args[0]!);
        io.out.write(`DELETED ${revision}\n`);
        return;
      }
      case 'status': {
        need(0, 'no arguments');
        const s = await client.status();
        if (output === 'json') io.out.write(`${JSON.stringify(s)}\n`);
        else {
          io.out.write(
            `revision: ${s.revision}\ncompacted revision: ${s.compactRevision}\nkeys: ${s.keys}\n` +
              `db size: ${s.dbSizeBytes} bytes\nbackend: ${s.backend}\n`,
          );
        }
        return;
      }
      case 'compact': {
        const revision = args[0] ? revisionArg(args[0], 'REV') : (await client.status()).revision;
        io.out.write(`compacted revision ${await client.compact(revision)}\n`);
        return;
      }
      case 'snapshot': {
        if (args[0] !== 'save' || args.length !== 2)
          throw new Error('snapshot takes save FILE, or restore FILE --data-dir DIR');
        const { revision, keys } = await saveSnapshot(client, args[1]!);
        io.out.write(`saved ${keys} keys at revision ${revision} to ${args[1]}\n`);
        return;
      }
      default:
        throw new Error(`unknown command ${command}; see wheelhouse storectl --help`);
    }
  } finally {
    client.close();
  }
}
