/**
 * One HTTP/2 channel per apiserver endpoint for the whole process, shared by the clients
 * of every kind, and the endpoint calls go to now. A call that finds its endpoint
 * UNAVAILABLE moves everyone to the next one; the channel of the old one stays open and
 * reconnects by itself, should the pool come back to it.
 */
import { Channel, type Client } from '@grpc/grpc-js';
import type { Connection } from './connection.js';

type ClientConstructor = new (
  address: string,
  credentials: Connection['credentials'],
  options: Record<string, unknown>,
) => Client;

export class ChannelPool {
  private readonly channels: (Channel | undefined)[];
  private readonly clients = new Map<string, Client>();
  private active = 0;

  constructor(private readonly connection: Connection) {
    this.channels = connection.endpoints.map(() => undefined);
  }

  /** The index of the endpoint calls go to now. */
  get current(): number {
    return this.active;
  }

  get size(): number {
    return this.connection.endpoints.length;
  }

  /** The endpoint at `index` failed: calls go to the next one, unless someone moved them already. */
  failover(index: number): void {
    if (index === this.active) this.active = (this.active + 1) % this.connection.endpoints.length;
  }

  /** A client of a generated service on the channel of endpoint `index` (made once). */
  client<C extends Client>(ctor: ClientConstructor, name: string, index = this.active): C {
    const key = `${index}\0${name}`;
    let client = this.clients.get(key);
    if (!client) {
      const address = this.connection.endpoints[index]!;
      let channel = this.channels[index];
      if (!channel) {
        channel = new Channel(address, this.connection.credentials, this.connection.options);
        this.channels[index] = channel;
      }
      client = new ctor(address, this.connection.credentials, { channelOverride: channel });
      this.clients.set(key, client);
    }
    return client as C;
  }

  close(): void {
    for (const channel of this.channels) channel?.close();
    this.clients.clear();
    this.channels.fill(undefined);
  }
}
