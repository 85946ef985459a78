/**
 * One candidate of the leader-election integration test, as a process of its own:
 * runs for leader on a Lease through the apiserver and, while leading, increments a
 * counter kept in a ConfigMap (read, then update over the version read), writing its
 * identity and its term (the Lease's leaseTransitions when it took over) beside it.
 *
 *   node --import tsx candidate.ts --server H:P --ca F --cert F --key F --identity ID \
 *     --lease NS/NAME --counter NS/NAME --lease-ms N --renew-ms N --retry-ms N
 *
 * Standard output, one line each: `LEADING <id> <term>`, `INC <id> <term> <count> <rv>`,
 * `STOPPED <id>`, `EXITED <id>`, and `SEES <id> <leader>` whenever it sees a new holder
 * (the first one once it has read the Lease). SIGTERM, or the end of standard input, is a clean
 * shutdown: the Lease is released before the process exits.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { Metadata, type ServiceError } from '@grpc/grpc-js';
import type { ClientConfig } from '../../client-config.js';
import { channelCredentials, channelOptions } from '../../credentials.js';
import { fromServiceError } from '../../errors.js';
import { LeaseServiceClient } from '../../gen/wheelhouse/coordination/v1/lease_service.js';
import type { ConfigMap } from '../../gen/wheelhouse/core/v1/config_map.js';
import {
  ConfigMapServiceClient,
  GetConfigMapRequest,
  UpdateConfigMapRequest,
} from '../../gen/wheelhouse/core/v1/config_map_service.js';
import { createLogger } from '../../logger.js';
import { createGrpcLeaseClient, createLeaderElector } from '../index.js';

const { values: args } = parseArgs({
  options: {
    server: { type: 'string' },
    ca: { type: 'string' },
    cert: { type: 'string' },
    key: { type: 'string' },
    identity: { type: 'string' },
    lease: { type: 'string' },
    counter: { type: 'string' },
    'lease-ms': { type: 'string' },
    'renew-ms': { type: 'string' },
    'retry-ms': { type: 'string' },
  },
});
const required = (name: keyof typeof args): string => {
  const v = args[name];
  if (!v) throw new Error(`--${name} is required`);
  return v;
};
const split = (v: string) => {
  const [namespace = '', name = ''] = v.split('/');
  return { namespace, name };
};

const identity = required('identity');
const counter = split(required('counter'));
const config: ClientConfig = {
  server: required('server'),
  certificateAuthority: required('ca'),
  clientCertificate: required('cert'),
  clientKey: required('key'),
};
const leases = new LeaseServiceClient(config.server, channelCredentials(config), channelOptions(config));
const configMaps = new ConfigMapServiceClient(
  config.server,
  channelCredentials(config),
  channelOptions(config),
);
const say = (line: string) => process.stdout.write(`${line}\n`);

function unary<Res>(
  invoke: (md: Metadata, opts: { deadline: Date }, cb: (err: ServiceError | null, res: Res) => void) => void,
) {
  return new Promise<Res>((resolve, reject) =>
    invoke(new Metadata(), { deadline: new Date(Date.now() + 2000) }, (err, res) =>
      err ? reject(fromServiceError(err)) : resolve(res),
    ),
  );
}

/** Increments the counter over the version read, as long as `signal` has not aborted. */
async function incrementWhileLeading(signal: AbortSignal, term: number): Promise<void> {
  while (!signal.aborted) {
    try {
      const got = await unary<{ configMap?: ConfigMap }>((md, o, cb) =>
        configMaps.getConfigMap(GetConfigMapRequest.fromPartial(counter), md, o, cb),
      );
      const cm = got.configMap;
      if (!cm) throw new Error('no ConfigMap in the answer');
      if (signal.aborted) break;
      const count = Number(cm.data.count ?? '0') + 1;
      cm.data = { ...cm.data, count: String(count), writer: identity, term: String(term) };
      const written = await unary<{ configMap?: ConfigMap }>((md, o, cb) =>
        configMaps.updateConfigMap(UpdateConfigMapRequest.fromPartial({ configMap: cm }), md, o, cb),
      );
      say(`INC ${identity} ${term} ${count} ${written.configMap?.metadata?.resourceVersion ?? ''}`);
    } catch (err) {
      process.stderr.write(`${identity}: counter: ${err instanceof Error ? err.message : String(err)}\n`);
    }
    await delay(50, undefined, { signal }).catch(() => {});
  }
}

const controller = new AbortController();
process.on('SIGTERM', () => controller.abort());
process.stdin.on('end', () => controller.abort());
process.stdin.resume();

const elector = createLeaderElector({
  lease: split(required('lease')),
  identity,
  client: createGrpcLeaseClient(leases),
  leaseDurationMs: Number(required('lease-ms')),
  renewDeadlineMs: Number(required('renew-ms')),
  retryPeriodMs: Number(required('retry-ms')),
  logger: createLogger(`candidate ${identity}`, { level: process.env.WHEELHOUSE_LOG_LEVEL ?? 'warn' }),
  async onStartedLeading(signal) {
    const term = elector.observedRecord()?.leaseTransitions ?? -1;
    say(`LEADING ${identity} ${term}`);
    await incrementWhileLeading(signal, term);
  },
  onStoppedLeading() {
    say(`STOPPED ${identity}`);
  },
  onNewLeader(leader) {
    say(`SEES ${identity} ${leader}`);
  },
});

await elector.run(controller.signal);
say(`EXITED ${identity}`);
leases.close();
configMaps.close();
// Standard output is a pipe, written synchronously on Linux: nothing said is lost by exiting now.
process.exit(0);
