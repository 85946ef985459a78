/**
 * A real control plane for integration tests: the PKI, a store process and an
 * apiserver process on free loopback ports, and clients that talk gRPC to them with
 * the admin's credentials. The processes get the command lines `wheelhouse up` gives
 * them (cli/up/components.ts), plus a port file and each test's own flags.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Client, Metadata as GrpcMetadata, type Metadata, type ServiceError } from '@grpc/grpc-js';
import {
  apiserverComponent,
  type ClusterLayout,
  LOOPBACK,
  nodeArgs,
  storeComponent,
} from '../cli/up/components.js';
import { writeKubeconfig } from '../cli/up/kubeconfig.js';
import type { ClientConfig } from '../sdk/client-config.js';
import { channelCredentials, channelOptions } from '../sdk/credentials.js';
import { fromServiceError } from '../sdk/errors.js';
import { typesOf } from '../sdk/kind-registry.js';
import { kinds, resolveResource, serviceNameOf, snakeOf } from '../sdk/kinds.js';
import { ensureClusterPki } from '../sdk/pki/index.js';
import { freePort } from './free-port.js';

const root = new URL('..', import.meta.url).pathname;
const entry = join(root, 'bin/wheelhouse.js');

export interface Cluster {
  readonly dir: string;
  readonly apiserver: string;
  readonly storePort: number;
  /** The apiserver process's id (a new one after restartApiserver), e.g. to read its memory. */
  readonly apiserverPid: number;
  readonly admin: ClientConfig;
  readonly pki: ReturnType<typeof ensureClusterPki>;
  /** `https://127.0.0.1:<port>` of the Kubernetes REST API, when started with `rest: true`; '' otherwise. */
  readonly rest: string;
  /** A kubeconfig for kubectl and Kubernetes' client libraries as the admin, when started with `rest: true`. */
  readonly kubeconfig: string;
  /** A client of one kind's service (`pods`, `deployments`, ...) as the admin, or with another config. */
  client<C extends Client = Client>(resource: string, config?: ClientConfig): C;
  /** Stops the apiserver (SIGTERM, or `signal`) and restarts it on the same port with the same store — for tests of restarts. */
  restartApiserver(opts?: { signal?: NodeJS.Signals }): Promise<void>;
  /** What the store and the apiserver wrote (stdout and stderr, interleaved) when `captureOutput` was set; kept after stop(). */
  output(): string;
  stop(): Promise<void>;
}

export interface ClusterOptions {
  apiserverArgs?: string[];
  storeArgs?: string[];
  /** WHEELHOUSE_LOG_LEVEL of the processes (default: the test's own, else warn). */
  logLevel?: string;
  /** Keep everything the processes write, for `output()` (tests that check what reaches logs). */
  captureOutput?: boolean;
  /** Serve the Kubernetes REST API too (a free port, the same after restartApiserver) and write a kubeconfig for it. */
  rest?: boolean;
}

function waitForLine(
  child: ChildProcess,
  pattern: RegExp,
  what: string,
  timeoutMs = 30_000,
): Promise<RegExpExecArray> {
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    const timer = setTimeout(
      () => reject(new Error(`${what} did not start in time:\n${err.slice(-2000)}`)),
      timeoutMs,
    );
    child.stdout?.on('data', (d: Buffer) => {
      out += d.toString();
      const m = pattern.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m);
      }
    });
    child.stderr?.on('data', (d: Buffer) => {
      err += d.toString();
      if (err.length > 100_000) err = err.slice(-50_000);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited with ${code}:\n${err.slice(-4000)}`));
    });
  });
}

async function stopProcess(
  child: ChildProcess | undefined,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

export async function startCluster(opts: ClusterOptions = {}): Promise<Cluster> {
  const dir = mkdtempSync(join(tmpdir(), 'wheelhouse-test-'));
  const pki = ensureClusterPki(dir, { nodes: ['node-1'] });
  const env = {
    ...process.env,
    WHEELHOUSE_LOG_LEVEL: opts.logLevel ?? process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn',
  };
  const captured: string[] = [];
  const capture = (child: ChildProcess) => {
    if (!opts.captureOutput) return;
    child.stdout?.on('data', (d: Buffer) => captured.push(d.toString()));
    child.stderr?.on('data', (d: Buffer) => captured.push(d.toString()));
  };
  const portFile = join(dir, 'store.port');
  // Free ports, so that clusters run side by side; the store's is read from its port file.
  const layout: ClusterLayout = {
    dataDir: dir,
    pki,
    host: LOOPBACK,
    storePort: 0,
    apiserverPort: 0,
    storeMetricsPort: 0,
  };
  const store = spawn(
    process.execPath,
    nodeArgs(storeComponent(layout), entry, ['--port-file', portFile, ...(opts.storeArgs ?? [])]),
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  capture(store);
  let storePort = 0;
  let apiserver: ChildProcess | undefined;
  let address = '';
  let restPort = 0;
  const startApiserver = async (port: number) => {
    const restLayout = opts.rest ? { apiserverRestPort: restPort } : {};
    apiserver = spawn(
      process.execPath,
      nodeArgs(
        apiserverComponent({ ...layout, ...restLayout, storePort, apiserverPort: port }),
        entry,
        opts.apiserverArgs,
      ),
      { env, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    capture(apiserver);
    // The REST line comes first when the REST API is served.
    const m = await waitForLine(
      apiserver,
      opts.rest
        ? /REST API on https?:\/\/\S+:(\d+)\napiserver listening on (\S+):(\d+)/
        : /()apiserver listening on (\S+):(\d+)/,
      'apiserver',
    );
    address = `${LOOPBACK}:${m[3]}`;
    if (opts.rest) restPort = Number(m[1]);
  };
  try {
    storePort = await waitForPortFile(portFile, store);
    // Ports below the ephemeral range, not listen(0)'s: restartApiserver binds them again,
    // and a port from the ephemeral range may meanwhile be the local end of some other
    // test's outgoing connection. Another process may pick the same port at random:
    // then new ones are tried.
    for (let attempt = 1; ; attempt++) {
      restPort = opts.rest ? await freePort() : 0;
      try {
        await startApiserver(await freePort());
        break;
      } catch (err) {
        if (attempt === 3 || !/EADDRINUSE/.test(String(err))) throw err;
        await stopProcess(apiserver);
      }
    }
  } catch (err) {
    // A cluster that did not start has no stop() to call: nothing of it may outlive the failure.
    await stopProcess(apiserver);
    await stopProcess(store);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  const kubeconfig = join(dir, 'kubeconfig');
  if (opts.rest) {
    writeKubeconfig(kubeconfig, {
      server: `https://${LOOPBACK}:${restPort}`,
      caFile: pki.caFile,
      certFile: pki.admin.certFile,
      keyFile: pki.admin.keyFile,
    });
  }
  const admin: ClientConfig = {
    server: address,
    certificateAuthority: pki.caFile,
    clientCertificate: pki.admin.certFile,
    clientKey: pki.admin.keyFile,
  };
  const clients: Client[] = [];
  return {
    dir,
    get apiserver() {
      return address;
    },
    get apiserverPid() {
      return apiserver?.pid ?? 0;
    },
    storePort,
    admin,
    pki,
    rest: opts.rest ? `https://${LOOPBACK}:${restPort}` : '',
    kubeconfig: opts.rest ? kubeconfig : '',
    client<C extends Client>(resource: string, config: ClientConfig = { ...admin, server: address }): C {
      const info = resolveResource(resource);
      if (!info) throw new Error(`unknown resource ${resource}`);
      const Ctor = typesOf(info).client;
      const c = new Ctor(config.server, channelCredentials(config), channelOptions(config));
      clients.push(c);
      return c as unknown as C;
    },
    output: () => captured.join(''),
    async restartApiserver(opts = {}) {
      const port = Number(address.split(':')[1]);
      await stopProcess(apiserver, opts.signal);
      await startApiserver(port);
    },
    async stop() {
      for (const c of clients) c.close();
      await stopProcess(apiserver);
      await stopProcess(store);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitForPortFile(path: string, child: ChildProcess): Promise<number> {
  let err = '';
  child.stderr?.on('data', (d: Buffer) => {
    err += d.toString();
  });
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`store exited with ${child.exitCode}:\n${err.slice(-4000)}`);
    try {
      const port = Number(readFileSync(path, 'utf8').trim());
      if (port > 0) return port;
    } catch {
      // Not written yet.
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`store did not start in time:\n${err.slice(-4000)}`);
}

type UnaryMethod<Req, Res> = (
  req: Req,
  md: Metadata,
  cb: (err: ServiceError | null, res: Res) => void,
) => unknown;

/**
 * The generated functions of a method's request message, so that tests may write
 * requests as partial objects (ts-proto's encoders expect complete messages).
 */
async function requestMessage(
  client: Client,
  method: string,
): Promise<{ fromPartial(v: unknown): unknown } | undefined> {
  const serviceName = (client.constructor as { serviceName?: string }).serviceName ?? '';
  const info = kinds.find((k) => serviceNameOf(k) === serviceName);
  if (!info) return undefined;
  const file = `../sdk/gen/wheelhouse/${info.protoGroup}/v1/${snakeOf(info)}_service.js`;
  const mod = (await import(file)) as Record<string, { fromPartial(v: unknown): unknown } | undefined>;
  return mod[`${method.charAt(0).toUpperCase()}${method.slice(1)}Request`];
}

/** Calls a unary method of a generated client with a (possibly partial) request; rejects with an ApiError. */
export async function call<Res, Req = unknown>(
  client: Client,
  method: string,
  partial: Req,
  metadata?: Metadata,
): Promise<Res> {
  const fn = (client as unknown as Record<string, UnaryMethod<Req, Res>>)[method];
  if (typeof fn !== 'function') throw new Error(`no method ${method}`);
  const req = ((await requestMessage(client, method))?.fromPartial(partial) ?? partial) as Req;
  return new Promise((resolve, reject) => {
    const cb = (err: ServiceError | null, res: Res) => (err ? reject(fromServiceError(err)) : resolve(res));
    fn.call(client, req, metadata ?? new GrpcMetadata(), cb);
  });
}
