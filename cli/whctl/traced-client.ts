/**
 * `-v 6` and above: every API call the client makes, with its outcome and latency, on
 * standard error — what kubectl's round-tripper logs show for HTTP requests.
 */
import type { ApiClient } from '../../sdk/client/dynamic-client.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { type KindInfo, pluralOf, serviceNameOf } from '../../sdk/kinds.js';

/** Where trace lines go, with the clock that times them. */
export interface TraceSink {
  write(line: string): void;
  now(): number;
}

/** A klog-style prefix: `I1205 14:03:01.123456`. */
export function klogPrefix(at: Date): string {
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `I${pad(at.getUTCMonth() + 1)}${pad(at.getUTCDate())} ` +
    `${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())}.` +
    `${pad(at.getUTCMilliseconds(), 3)}000`
  );
}

function outcome(err: unknown): string {
  if (err === undefined) return 'OK';
  if (err instanceof ApiError) return Code[err.code] ?? String(err.code);
  return 'ERROR';
}

/** Wraps a client so that each call is traced to `sink`; the client itself is unchanged. */
export function tracedClient(client: ApiClient, address: string, sink: TraceSink): ApiClient {
  const timed = async <T>(info: KindInfo, method: string, run: () => Promise<T>): Promise<T> => {
    const started = sink.now();
    const line = (err?: unknown) =>
      sink.write(
        `${klogPrefix(new Date())} ${address}/${serviceNameOf(info)}/${method} ${outcome(err)} in ${Math.round(sink.now() - started)} milliseconds\n`,
      );
    try {
      const result = await run();
      line();
      return result;
    } catch (err) {
      line(err);
      throw err;
    }
  };
  const upper = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
  return {
    ...client,
    create: (info, object, opts) =>
      timed(info, `Create${info.kind}`, () => client.create(info, object, opts)),
    get: (info, ns, name) => timed(info, `Get${info.kind}`, () => client.get(info, ns, name)),
    list: (info, ns, options) => timed(info, `List${pluralOf(info)}`, () => client.list(info, ns, options)),
    update: (info, object, opts) =>
      timed(info, `Update${info.kind}`, () => client.update(info, object, opts)),
    updateStatus: (info, object) =>
      timed(info, `Update${info.kind}Status`, () => client.updateStatus(info, object)),
    patch: (info, ns, name, type, patch, opts) =>
      timed(info, `Patch${info.kind}`, () => client.patch(info, ns, name, type, patch, opts)),
    delete: (info, ns, name, options) =>
      timed(info, `Delete${info.kind}`, () => client.delete(info, ns, name, options)),
    call: (info, method, request) => timed(info, upper(method), () => client.call(info, method, request)),
    watch(info, ns, options, signal) {
      sink.write(
        `${klogPrefix(new Date())} ${address}/${serviceNameOf(info)}/Watch${pluralOf(info)} started\n`,
      );
      return client.watch(info, ns, options, signal);
    },
    watchMessages(info, ns, options, signal) {
      sink.write(
        `${klogPrefix(new Date())} ${address}/${serviceNameOf(info)}/Watch${pluralOf(info)} started\n`,
      );
      return client.watchMessages(info, ns, options, signal);
    },
    serviceClient: (ctor) => client.serviceClient(ctor),
    close: () => client.close(),
  };
}
