/** `wheelhouse store`: runs the key-value store until SIGTERM or SIGINT. */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { createLogger } from '../sdk/logger.js';
import { ensureStorePki, STORE_CLIENT_COMMON_NAME } from '../sdk/pki/index.js';
import { lowerBackgroundPriority } from '../sdk/server/background-priority.js';
import { onShutdownSignal } from '../sdk/server/index.js';
import { startStoreServer } from './server/start.js';

export const DEFAULT_STORE_ADDRESS = '127.0.0.1:2390';
export const DEFAULT_STORE_DATA_DIR = '.wheelhouse/store';
/** See sdk/server/background-priority.ts; store/README.md has the measurements behind it. */
export const DEFAULT_BACKGROUND_NICE = 19;

const usage = `Usage: wheelhouse store [flags]

Runs the store: the revisioned, watchable key-value service on LevelDB that only the
apiserver may call. On first start it creates its PKI under <data-dir>/pki/store/.

Flags:
  --data-dir DIR                 where the database and the PKI live (default ${DEFAULT_STORE_DATA_DIR})
  --backend URL                  storage driver (default level://<data-dir>/db; memory:// keeps nothing;
                                 etcd://h1:2379,h2:2379,h3:2379[/prefix] keeps it in an etcd v3 cluster)
  --etcd-cafile FILE             CA of etcd's serving certificates: talk TLS to etcd (etcd:// only)
  --etcd-certfile FILE --etcd-keyfile FILE
                                 client certificate and key this store presents to etcd
  --listen HOST:PORT             gRPC address (default ${DEFAULT_STORE_ADDRESS}; port 0 picks one)
  --metrics-listen HOST:PORT     Prometheus /metrics address (default 127.0.0.1:2391; '' for none).
                                 HTTPS with the serving certificate; a reader presents a client
                                 certificate of --metrics-client-ca whose CN is an --allowed-cn or
                                 whose O is system:masters or system:monitoring (else 401 / 403)
  --metrics-client-ca FILE       CA of the client certificates that may read metrics; repeatable
                                 (default: --tls-ca, the store CA)
  --metrics-insecure-loopback    serve metrics in plaintext without authentication; refused unless
                                 --metrics-listen is a loopback address (implied by --insecure)
  --tls-cert FILE --tls-key FILE serving certificate (default: generated in the data dir)
  --tls-ca FILE                  CA that client certificates must chain to (default: the store CA)
  --allowed-cn NAME              client certificate CN allowed to call; repeatable (default ${STORE_CLIENT_COMMON_NAME})
  --insecure                     plaintext and no client authentication: for experiments only
  --compact-keep-revisions N     automatic compaction keeps at least N revisions (default 0: by age only)
  --compact-keep-minutes M       automatic compaction keeps at least M minutes of history (default 5)
  --compact-interval-seconds S   how often automatic compaction runs (default 60)
  --watch-buffer N               events a watcher may lag before it is cut off (default 10000)
  --background-nice N            nice value (0-19) of every thread but the one that answers calls:
                                 LevelDB's compaction and writes behind the WAL, the collector's
                                 helpers (Linux; default ${DEFAULT_BACKGROUND_NICE}; 0 leaves them alone)
  --port-file FILE               write the bound gRPC port to FILE once serving
`;

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0)
    throw new Error(`--${name} must be a non-negative integer, not ${value}`);
  return n;
}

/** The etcd driver takes its TLS files in the URL's query (etcd://…?cacert=&cert=&key=). */
function withEtcdTls(url: string, files: Record<string, string | undefined>): string {
  const given = Object.entries(files).filter((entry): entry is [string, string] => entry[1] !== undefined);
  if (given.length === 0) return url;
  if (!url.startsWith('etcd://'))
    throw new Error('--etcd-cafile, --etcd-certfile and --etcd-keyfile need --backend etcd://…');
  const query = new URLSearchParams(given.map(([name, file]): [string, string] => [name, resolve(file)]));
  return `${url}${url.includes('?') ? '&' : '?'}${query}`;
}

export async function runStore(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      'data-dir': { type: 'string' },
      backend: { type: 'string' },
      'etcd-cafile': { type: 'string' },
      'etcd-certfile': { type: 'string' },
      'etcd-keyfile': { type: 'string' },
      listen: { type: 'string' },
      'metrics-listen': { type: 'string' },
      'metrics-client-ca': { type: 'string', multiple: true },
      'metrics-insecure-loopback': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'tls-ca': { type: 'string' },
      'allowed-cn': { type: 'string', multiple: true },
      insecure: { type: 'boolean' },
      'compact-keep-revisions': { type: 'string' },
      'compact-keep-minutes': { type: 'string' },
      'compact-interval-seconds': { type: 'string' },
      'watch-buffer': { type: 'string' },
      'background-nice': { type: 'string' },
      'port-file': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(usage);
    return;
  }
  const logger = createLogger('store');
  const backgroundNice = intFlag('background-nice', values['background-nice'], DEFAULT_BACKGROUND_NICE);
  if (backgroundNice > 19) throw new Error(`--background-nice must be 0 to 19, not ${backgroundNice}`);
  const dataDir = resolve(values['data-dir'] ?? DEFAULT_STORE_DATA_DIR);
  let tls: { cert: Buffer; key: Buffer; ca: Buffer } | undefined;
  if (!values.insecure) {
    const pki =
      values['tls-cert'] && values['tls-key'] && values['tls-ca'] ? undefined : ensureStorePki(dataDir);
    tls = {
      cert: readFileSync(values['tls-cert'] ?? pki!.serverCertFile),
      key: readFileSync(values['tls-key'] ?? pki!.serverKeyFile),
      ca: readFileSync(values['tls-ca'] ?? pki!.caFile),
    };
  } else {
    logger.warn('serving without TLS or client authentication (--insecure)');
  }
  const store = await startStoreServer({
    backendUrl: withEtcdTls(values.backend ?? `level://${join(dataDir, 'db')}`, {
      cacert: values['etcd-cafile'],
      cert: values['etcd-certfile'],
      key: values['etcd-keyfile'],
    }),
    listen: values.listen ?? DEFAULT_STORE_ADDRESS,
    metricsListen: values['metrics-listen'] ?? '127.0.0.1:2391',
    ...(values['metrics-client-ca']?.length
      ? {
          metricsClientCa: Buffer.from(
            values['metrics-client-ca'].map((f) => readFileSync(f, 'utf8').trim()).join('\n'),
          ),
        }
      : {}),
    metricsInsecureLoopback: values['metrics-insecure-loopback'] ?? false,
    tls,
    allowedCommonNames: values['allowed-cn'] ?? [STORE_CLIENT_COMMON_NAME],
    compaction: {
      keepRevisions: intFlag('compact-keep-revisions', values['compact-keep-revisions'], 0),
      keepMinutes: intFlag('compact-keep-minutes', values['compact-keep-minutes'], 5),
      intervalMs: intFlag('compact-interval-seconds', values['compact-interval-seconds'], 60) * 1000,
    },
    watchBufferLimit: intFlag('watch-buffer', values['watch-buffer'], 10_000),
    logger,
  });
  // After the start, so that the threads it started are lowered at once; later ones are found by rescans.
  const background = lowerBackgroundPriority(backgroundNice, {
    onError: (err) => logger.warn({ err }, 'could not lower the priority of background threads'),
  });
  if (values['port-file']) {
    // Written aside and renamed, so that a reader never sees half a number.
    writeFileSync(`${values['port-file']}.tmp`, `${store.port}\n`);
    renameSync(`${values['port-file']}.tmp`, values['port-file']);
  }
  await new Promise<void>((done) => {
    onShutdownSignal(async (signal) => {
      logger.info({ signal }, 'stopping');
      background.stop();
      await store.stop();
      logger.flush();
      done();
    }, false);
  });
}
