/**
 * Whether something accepts TCP connections at `host:port`: what `up` asks before each
 * health check while a component starts. A refused connection costs a syscall; a gRPC or
 * HTTPS check costs a channel, a TLS context and a handshake attempt, which, ten times a
 * second for each component, took CPU the starting components needed.
 */
import { connect } from 'node:net';

export function accepting(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
