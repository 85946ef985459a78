/**
 * Runs controller descriptors inside a test's process against a real cluster, as the
 * controller manager would run them: one clientset with the `system:kube-controller-manager`
 * certificate, one shared InformerFactory, one event recorder, each descriptor's flag
 * defaults overridden by the test's.
 */

import { type Clientset, createClientset } from '../../sdk/client/index.js';
import type { ClientConfig } from '../../sdk/client-config.js';
import { ApiError, Code } from '../../sdk/errors.js';
import { apiEventSink } from '../../sdk/events/event-sink.js';
import { createEventRecorder } from '../../sdk/events/index.js';
import { InformerFactory } from '../../sdk/informers/index.js';
import { createLogger } from '../../sdk/logger.js';
import { createRegistry } from '../../sdk/server/metrics.js';
import type { Cluster } from '../../test/cluster.js';
import type { ControllerDescriptor } from '../controller-descriptor.js';

export interface InProcessControllers {
  readonly clients: Clientset;
  readonly informers: InformerFactory;
  /** Aborts the controllers and waits for them to return. */
  stop(): Promise<void>;
}

/** The controller manager's client config, from the cluster's PKI. */
export function controllerManagerConfig(cluster: Cluster): ClientConfig {
  return {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: cluster.pki.controllerManager.certFile,
    clientKey: cluster.pki.controllerManager.keyFile,
  };
}

export function runInProcess(
  cluster: Cluster,
  descriptors: readonly ControllerDescriptor[],
  flags: Readonly<Record<string, string | boolean>> = {},
): InProcessControllers {
  const logger = createLogger('controller-manager');
  const registry = createRegistry('controller-manager');
  const clients = createClientset(controllerManagerConfig(cluster), { component: 'controller-manager' });
  const events = createEventRecorder(apiEventSink(clients.api), { component: 'controller-manager', logger });
  const lifetime = new AbortController();
  const informers = new InformerFactory(clients.api, { logger, registry });
  informers.start(lifetime.signal);
  const values: Record<string, string | boolean | undefined> = {};
  for (const d of descriptors)
    for (const [name, spec] of Object.entries(d.flags ?? {})) values[name] = spec.default;
  Object.assign(values, flags);
  const runs = descriptors.map((d) =>
    d.run({
      flags: values,
      logger,
      registry,
      clients,
      informers,
      events,
      signal: lifetime.signal,
      addReadyCheck: () => undefined,
    }),
  );
  // A controller that fails before the test stops it is the test's failure, reported by stop().
  const settled = Promise.allSettled(runs);
  return {
    clients,
    informers,
    async stop() {
      lifetime.abort();
      const results = await settled;
      await events.flush();
      clients.close();
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
}

/** Resolves with `probe`'s first defined answer; fails with `what` after `timeoutMs`. */
export async function eventually<R>(
  what: string,
  probe: () => Promise<R | undefined> | R | undefined,
  timeoutMs = 20_000,
): Promise<R> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    try {
      const answer = await probe();
      if (answer !== undefined) return answer;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await new Promise((r) => setTimeout(r, delay));
  }
}

/** Whether a get rejects with NOT_FOUND (true), or resolves (false). */
export async function isGone(get: Promise<unknown>): Promise<boolean> {
  try {
    await get;
    return false;
  } catch (err) {
    if (err instanceof ApiError && err.code === Code.NOT_FOUND) return true;
    throw err;
  }
}
