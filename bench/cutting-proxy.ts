/**
 * A TCP relay on loopback in front of the apiserver, so that a chaos run can cut every
 * connection the components hold (their watches with them) without stopping anything:
 * what a flaky network or a load balancer's reset does. Bytes pass through untouched
 * (TLS ends at the apiserver; its certificate names 127.0.0.1, the relay's address too).
 */
import { connect, createServer, type Server, type Socket } from 'node:net';

export interface CuttingProxy {
  readonly port: number;
  /** Destroys every relayed connection; returns how many there were. */
  cut(): number;
  close(): Promise<void>;
}

export async function startCuttingProxy(host: string, targetPort: number): Promise<CuttingProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, host);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const end = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('error', end).on('close', end);
    upstream.on('error', end).on('close', end);
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const cut = () => {
    const n = pairs.size;
    for (const [a, b] of [...pairs]) {
      a.destroy();
      b.destroy();
    }
    pairs.clear();
    return n;
  };
  return {
    port,
    cut,
    async close() {
      cut();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
