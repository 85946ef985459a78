/**
 * The transport ceiling: StoreService answering every Create (unary) and every
 * Pipeline create at once, with no storage behind it, in a process of its own
 * like the store. Writes its port to the file named by its first argument.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Server, ServerCredentials } from '@grpc/grpc-js';
import {
  type CreateRequest,
  type KeyValue,
  type PipelineRequest,
  type PipelineResult,
  StoreServiceService,
} from '../../sdk/gen/wheelhouse/store/v1/store.js';

const [portFile, pkiDir] = process.argv.slice(2);
if (!portFile || !pkiDir) throw new Error('usage: noop-server PORT_FILE PKI_DIR');

// Answers like the store: the written key-value without the value its writer sent.
const kvOf = (req: CreateRequest): KeyValue => ({
  key: req.key,
  value: Buffer.alloc(0),
  createRevision: '1',
  modRevision: '1',
  version: '1',
  expiresAtMs: '0',
});

// Channelz off, as in the store's own server bootstrap.
const server = new Server({ 'grpc.max_receive_message_length': 16 << 20, 'grpc.enable_channelz': 0 });
const unimplemented = (_call: unknown, callback: (err: Error) => void) =>
  callback(new Error('not in the no-op server'));
server.addService(StoreServiceService, {
  create: (call: { request: CreateRequest }, callback: (err: null, res: { kv: KeyValue }) => void) =>
    callback(null, { kv: kvOf(call.request) }),
  pipeline: (call: NodeJS.EventEmitter & { write(res: unknown): boolean; end(): void }) => {
    // Each request message is answered at once by one response message carrying all its results.
    call.on('data', (req: PipelineRequest) => {
      const results: PipelineResult[] = [];
      for (const { id, op } of req.ops)
        if (op?.$case === 'create')
          results.push({ id, result: { $case: 'create', value: { kv: kvOf(op.value) } } });
      call.write({ results });
    });
    call.on('end', () => call.end());
    call.on('error', () => {});
  },
  get: unimplemented,
  list: unimplemented,
  count: unimplemented,
  update: unimplemented,
  delete: unimplemented,
  compact: unimplemented,
  status: unimplemented,
  watch: (call: { end(): void }) => call.end(),
});
const creds = ServerCredentials.createSsl(
  readFileSync(join(pkiDir, 'ca.crt')),
  [
    {
      cert_chain: readFileSync(join(pkiDir, 'server.crt')),
      private_key: readFileSync(join(pkiDir, 'server.key')),
    },
  ],
  true,
);
server.bindAsync('127.0.0.1:0', creds, (err, port) => {
  if (err) throw err;
  writeFileSync(`${portFile}.tmp`, String(port));
  renameSync(`${portFile}.tmp`, portFile);
});
