/** etcd as the reference: Debian's etcd-server on loopback, driven through its own gRPC API. */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BinaryWriter } from '@bufbuild/protobuf/wire';
import { type Client, credentials, makeGenericClientConstructor, type ServiceError } from '@grpc/grpc-js';

export const ETCD_BINARY = '/usr/bin/etcd';

export interface Etcd {
  readonly child: ChildProcess;
  /** etcdserverpb.KV/Put: a durable write, acknowledged after etcd's WAL sync. */
  put(key: string, value: Buffer): Promise<void>;
  close(): void;
}

const identity = (b: Buffer) => b;
const KvClient = makeGenericClientConstructor(
  {
    put: {
      path: '/etcdserverpb.KV/Put',
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  },
  'etcdserverpb.KV',
);

/** PutRequest { bytes key = 1; bytes value = 2; } — small enough to encode by hand. */
function putRequest(key: string, value: Buffer): Buffer {
  return Buffer.from(new BinaryWriter().uint32(10).bytes(Buffer.from(key)).uint32(18).bytes(value).finish());
}

export function etcdInstalled(): boolean {
  return existsSync(ETCD_BINARY);
}

export async function startEtcd(dataDir: string, clientPort: number, peerPort: number): Promise<Etcd> {
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const child = spawn(
    ETCD_BINARY,
    [
      '--name=bench',
      `--data-dir=${join(dataDir, 'etcd')}`,
      `--listen-client-urls=${client}`,
      `--advertise-client-urls=${client}`,
      `--listen-peer-urls=${peer}`,
      `--initial-advertise-peer-urls=${peer}`,
      `--initial-cluster=bench=${peer}`,
      '--log-level=error',
      '--logger=zap',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (c) => {
    stderr += c;
  });
  const kv = new KvClient(`127.0.0.1:${clientPort}`, credentials.createInsecure()) as unknown as Client & {
    put(req: Buffer, cb: (err: ServiceError | null) => void): void;
  };
  const put = (key: string, value: Buffer) =>
    new Promise<void>((resolve, reject) =>
      kv.put(putRequest(key, value), (err) => (err ? reject(err) : resolve())),
    );
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`etcd exited with ${child.exitCode}: ${stderr.slice(-500)}`);
    try {
      await put('/ready', Buffer.from('1'));
      break;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`etcd did not become ready: ${err}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    child,
    put,
    close() {
      kv.close();
      child.kill('SIGTERM');
    },
  };
}
