/**
 * Helpers for the kinds' tests: objects from manifests, a request context and printed
 * errors for the strategies'; a caller's client config and one open pipelined stream for
 * those that go through a real cluster. Cluster and gRPC imports are of types only, so a
 * strategy test that imports this file loads neither.
 */
import type { ClientDuplexStream } from '@grpc/grpc-js';
import type { ClientConfig } from '../../sdk/client-config.js';
import type { KindObject } from '../../sdk/kind-registry.js';
import { parseManifests } from '../../sdk/manifest/index.js';
import type { CertFiles } from '../../sdk/pki/cert.js';
import type { Cluster } from '../../test/cluster.js';
import type { RequestContext } from '../registry/strategy.js';
import { type ErrorList, errorMessage } from '../validation/field-error.js';

export const ctx: RequestContext = {
  user: 'admin',
  groups: ['system:masters'],
  dryRun: false,
  now: new Date('2024-01-01T00:00:00Z'),
};

/** Decodes one YAML manifest, as the apiserver receives it. */
export function fromYaml<T extends KindObject>(yaml: string): T {
  const [parsed] = parseManifests(yaml);
  if (!parsed) throw new Error('no object in manifest');
  return parsed.object as T;
}

/** The errors as Kubernetes prints them: `spec.containers[0].image: Required value`. */
export function messages(errs: ErrorList): string[] {
  return errs.map(errorMessage);
}

/** The field paths of the errors, in order. */
export function paths(errs: ErrorList): string[] {
  return errs.map((e) => e.path);
}

/** The client config of `cluster` as the holder of `certs` (a component's or a node's client certificate). */
export function configAs(cluster: Cluster, certs: CertFiles): ClientConfig {
  return {
    server: cluster.apiserver,
    certificateAuthority: cluster.pki.caFile,
    clientCertificate: certs.certFile,
    clientKey: certs.keyFile,
  };
}

/**
 * One open pipelined stream (BindPods, CreateEvents, UpdatePodStatuses) as a test drives
 * it: items sent under ids the test picks, each answer awaited by its id. An answer that
 * arrives before it is awaited is kept until then; each is taken once.
 */
export interface ItemStream<Item, Req, Res> {
  readonly stream: ClientDuplexStream<Req, Res>;
  send(id: number, item: Item): void;
  /** The answer for `id`; rejects once the stream ended without it, or after `timeoutMs`. */
  answer(id: number, timeoutMs?: number): Promise<Res>;
  /** Sends `item` under `id` and resolves with its answer. */
  request(id: number, item: Item): Promise<Res>;
  /** The next `n` answers in the order they arrive, whatever their ids. */
  arrivals(n: number): Promise<Res[]>;
  /** Half-closes the stream; resolves once the server ended it. */
  end(): Promise<void>;
}

/**
 * Drives `stream`, whose requests carry one item under an id (`toRequest`) and whose
 * answers name that id; `item` names the item in the message of an answer that never came.
 */
export function itemStream<Item, Req, Res extends { id: number }>(
  stream: ClientDuplexStream<Req, Res>,
  item: string,
  toRequest: (id: number, item: Item) => Req,
): ItemStream<Item, Req, Res> {
  const answers = new Map<number, Res>();
  const waiters = new Map<number, (res: Res) => void>();
  const endWaiters: ((err: Error) => void)[] = [];
  let ended: Error | undefined;
  stream.on('data', (res: Res) => {
    const w = waiters.get(res.id);
    if (w) {
      waiters.delete(res.id);
      w(res);
    } else answers.set(res.id, res);
  });
  const onEnd = (err: Error) => {
    ended = err;
    for (const w of endWaiters) w(err);
  };
  stream.on('error', onEnd);
  stream.on('end', () => onEnd(new Error('the stream ended')));
  const send = (id: number, it: Item) => {
    stream.write(toRequest(id, it));
  };
  const answer = (id: number, timeoutMs = 20_000): Promise<Res> => {
    const got = answers.get(id);
    if (got) {
      answers.delete(id);
      return Promise.resolve(got);
    }
    if (ended) return Promise.reject(ended);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no answer for ${item} ${id}`)), timeoutMs);
      waiters.set(id, (res) => {
        clearTimeout(timer);
        resolve(res);
      });
      endWaiters.push((err) => {
        clearTimeout(timer);
        reject(err);
      });
    });
  };
  return {
    stream,
    send,
    answer,
    request(id, it) {
      // Awaited before it is sent, so a stream that already ended rejects without a write.
      if (ended) return Promise.reject(ended);
      const answered = answer(id);
      send(id, it);
      return answered;
    },
    arrivals(n) {
      const got: Res[] = [];
      return new Promise((resolve) =>
        stream.on('data', (res: Res) => {
          got.push(res);
          if (got.length === n) resolve(got);
        }),
      );
    },
    end() {
      const done = new Promise<void>((resolve) => stream.on('status', () => resolve()));
      stream.end();
      return done;
    },
  };
}
