/**
 * gRPC clients of webhook servers, one per URL and CA bundle, so that every request
 * a webhook sees reuses one HTTP/2 connection instead of a TLS handshake each time.
 * Clients nobody used for a while are closed: configurations come and go, and a
 * removed webhook should not keep a connection open forever.
 */
import { createHash } from 'node:crypto';
import { isIPv4 } from 'node:net';
import { type ChannelCredentials, credentials } from '@grpc/grpc-js';
import { sslCredentials } from '../../../sdk/credentials.js';
import { AdmissionServiceClient } from '../../../sdk/gen/wheelhouse/admission/v1/admission_service.js';
import type { WebhookClientConfig } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';

export interface WebhookClientPoolOptions {
  /** A client unused this long is closed; 60 s by default. */
  readonly idleMs?: number;
  readonly now?: () => number;
}

/** A client on loan: call `release` when the call is over, so idle closing does not cut it off. */
export interface LeasedClient {
  readonly client: AdmissionServiceClient;
  release(): void;
}

interface Entry {
  readonly client: AdmissionServiceClient;
  lastUsed: number;
  inFlight: number;
}

/** Where to dial and how: `https://host:port` with TLS, `http://` plaintext only on loopback. */
export interface WebhookTarget {
  readonly address: string;
  readonly credentials: ChannelCredentials;
}

export function webhookTarget(config: WebhookClientConfig): WebhookTarget {
  const raw = config.url ?? '';
  if (raw === '') throw new Error('clientConfig.url is not set (clientConfig.service is not supported)');
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`clientConfig.url "${raw}" is not a valid URL`);
  }
  const host = url.hostname;
  if (url.protocol === 'https:') {
    const ca = config.caBundle.length > 0 ? Buffer.from(config.caBundle) : null;
    return { address: `${host}:${url.port || '443'}`, credentials: sslCredentials(ca) };
  }
  if (url.protocol === 'http:') {
    // Plaintext would expose every object sent for review: only where nothing leaves the machine.
    if (!isLoopback(host)) {
      throw new Error(`clientConfig.url "${raw}": plaintext http is only allowed to a loopback address`);
    }
    return { address: `${host}:${url.port || '80'}`, credentials: credentials.createInsecure() };
  }
  throw new Error(`clientConfig.url "${raw}": the scheme must be https`);
}

export function isLoopback(hostname: string): boolean {
  if (hostname === 'localhost' || hostname === '[::1]') return true;
  return isIPv4(hostname) && hostname.startsWith('127.');
}

export class WebhookClientPool {
  private readonly entries = new Map<string, Entry>();
  private readonly idleMs: number;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(opts: WebhookClientPoolOptions = {}) {
    this.idleMs = opts.idleMs ?? 60_000;
    this.now = opts.now ?? Date.now;
  }

  /** The client for this configuration, created on first use. Throws when the URL cannot be dialled. */
  lease(config: WebhookClientConfig): LeasedClient {
    const key = `${config.url ?? ''}\n${createHash('sha256').update(config.caBundle).digest('hex')}`;
    let entry = this.entries.get(key);
    if (!entry) {
      const target = webhookTarget(config);
      entry = {
        client: new AdmissionServiceClient(target.address, target.credentials),
        lastUsed: 0,
        inFlight: 0,
      };
      this.entries.set(key, entry);
      this.startSweeping();
    }
    const leased = entry;
    leased.inFlight++;
    leased.lastUsed = this.now();
    let released = false;
    return {
      client: leased.client,
      release: () => {
        if (released) return;
        released = true;
        leased.inFlight--;
        leased.lastUsed = this.now();
      },
    };
  }

  get size(): number {
    return this.entries.size;
  }

  /** Closes clients idle for longer than the idle time. */
  sweep(): void {
    const cutoff = this.now() - this.idleMs;
    for (const [key, entry] of this.entries) {
      if (entry.inFlight === 0 && entry.lastUsed <= cutoff) {
        entry.client.close();
        this.entries.delete(key);
      }
    }
    if (this.entries.size === 0) this.stopSweeping();
  }

  close(): void {
    for (const entry of this.entries.values()) entry.client.close();
    this.entries.clear();
    this.stopSweeping();
  }

  private startSweeping(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), Math.max(1_000, this.idleMs / 2));
    // The pool must not keep a stopping apiserver alive.
    this.timer.unref();
  }

  private stopSweeping(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
