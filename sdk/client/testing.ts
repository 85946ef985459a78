/**
 * Helpers for the stream clients' tests: the code a call failed with, a clientset as
 * the holder of a client certificate, and a grpc-js server listening on loopback.
 */
import assert from 'node:assert/strict';
import { type Server, ServerCredentials } from '@grpc/grpc-js';
import type { Cluster } from '../../test/cluster.js';
import { ApiError, Code } from '../errors.js';
import type { CertFiles } from '../pki/cert.js';
import { type Clientset, createClientset } from './typed-client.js';

/** What `p` came to: OK, or the code of the ApiError it failed with (any other failure fails the test). */
export async function codeOf(p: Promise<unknown>): Promise<Code> {
  try {
    await p;
    return Code.OK;
  } catch (err) {
    assert.ok(err instanceof ApiError, String(err));
    return err.code;
  }
}

/** A clientset of `cluster` as the holder of `certs` (a component's or a node's client certificate). */
export function clientsetAs(cluster: Cluster, certs: CertFiles): Clientset {
  return createClientset(
    {
      server: cluster.apiserver,
      certificateAuthority: cluster.pki.caFile,
      clientCertificate: certs.certFile,
      clientKey: certs.keyFile,
    },
    { component: 'test' },
  );
}

/** Binds `server` to a free port on 127.0.0.1 without TLS; resolves with its address. */
export async function listen(server: Server): Promise<string> {
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  return `127.0.0.1:${port}`;
}
