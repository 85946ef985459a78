import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type ChannelCredentials, credentials, type ServiceError } from '@grpc/grpc-js';
import { Code } from '../sdk/errors.js';
import {
  GetContainerLogsRequest,
  type GetStatusResponse,
  KubeletServiceClient,
} from '../sdk/gen/wheelhouse/kubelet/v1/kubelet_service.js';
import { createLogger } from '../sdk/logger.js';
import type { CertFiles } from '../sdk/pki/index.js';
import { ensureClusterPki } from '../sdk/pki/index.js';
import { type KubeletApiServer, startKubeletApiServer } from './api-server.js';
import { fileLogSource } from './file-log-source.js';

const dir = mkdtempSync(join(tmpdir(), 'kubelet-api-'));
const pki = ensureClusterPki(join(dir, 'cluster'), { nodes: ['node-1', 'node-2'] });
const foreign = ensureClusterPki(join(dir, 'foreign'), { nodes: [] });
const ca = readFileSync(pki.caFile);
const logRoot = join(dir, 'pods');
let kubelet: KubeletApiServer;

before(async () => {
  const serving = pki.kubelets['node-1']!.serving;
  mkdirSync(join(logRoot, 'default_web_u1', 'app'), { recursive: true });
  writeFileSync(
    join(logRoot, 'default_web_u1', 'app', '0.log'),
    '2024-01-01T00:00:00.000000000Z stdout F hello\n',
  );
  kubelet = await startKubeletApiServer({
    nodeName: 'node-1',
    tls: { cert: readFileSync(serving.certFile), key: readFileSync(serving.keyFile), ca },
    logs: fileLogSource({ root: logRoot }),
    logger: createLogger('kubelet', { level: 'silent' }),
    address: '127.0.0.1:0',
  });
});

after(async () => {
  await kubelet.stop();
  rmSync(dir, { recursive: true, force: true });
});

function client(cert?: CertFiles): KubeletServiceClient {
  const creds: ChannelCredentials = cert
    ? credentials.createSsl(ca, readFileSync(cert.keyFile), readFileSync(cert.certFile))
    : credentials.createSsl(ca);
  return new KubeletServiceClient(`127.0.0.1:${kubelet.port}`, creds);
}

function status(c: KubeletServiceClient): Promise<GetStatusResponse> {
  return new Promise((resolve, reject) =>
    c.getStatus({}, (err, res) => {
      c.close();
      return err ? reject(err) : resolve(res);
    }),
  );
}

function logs(c: KubeletServiceClient, req: Partial<GetContainerLogsRequest>): Promise<string> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    const s = c.getContainerLogs(GetContainerLogsRequest.fromPartial(req));
    s.on('data', (m: { data: Buffer }) => parts.push(m.data));
    s.on('error', (err) => {
      c.close();
      reject(err);
    });
    s.on('end', () => {
      c.close();
      resolve(Buffer.concat(parts).toString());
    });
  });
}

async function refused(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    const e = err as ServiceError;
    return `${Code[e.code]}: ${e.details}`;
  }
  return 'OK';
}

describe('kubelet API: only the apiserver gets in', () => {
  test("the apiserver's kubelet client certificate is let in", async () => {
    const st = await status(client(pki.apiserverKubeletClient));
    assert.equal(st.nodeName, 'node-1');
    assert.match(st.kubeletVersion, /^v\d+\.\d+\.\d+/);
    assert.equal(st.ready, false);
    const text = await logs(client(pki.apiserverKubeletClient), {
      namespace: 'default',
      podName: 'web',
      container: 'app',
    });
    assert.equal(text, 'hello\n');
  });

  test('other certificates of the cluster CA are PERMISSION_DENIED', async () => {
    for (const [who, cert] of [
      ['admin', pki.admin],
      ['the kubelet of node-1 itself', pki.kubelets['node-1']!.client],
      ['the kubelet of node-2', pki.kubelets['node-2']!.client],
      ['the scheduler', pki.scheduler],
    ] as const) {
      const result = await refused(status(client(cert)));
      assert.match(result, /^PERMISSION_DENIED: .* may not use the kubelet API/, who);
      assert.match(
        await refused(logs(client(cert), { namespace: 'default', podName: 'web', container: 'app' })),
        /^PERMISSION_DENIED/,
        who,
      );
    }
  });

  test('no certificate, or one of another CA, is UNAUTHENTICATED', async () => {
    assert.match(await refused(status(client())), /^UNAUTHENTICATED: .*requires a client certificate/);
    // The foreign admin trusts our CA for the server but presents a certificate our CA never issued.
    assert.match(
      await refused(status(client(foreign.admin))),
      // (The TLS layer may already drop a certificate that does not chain to the CA it asked for.)
      /^UNAUTHENTICATED: /,
    );
    assert.match(
      await refused(status(client(foreign.apiserverKubeletClient))),
      /^UNAUTHENTICATED/,
      "the apiserver's name from another CA is still a stranger",
    );
  });

  test('requests are checked: container required, counts in range; unknown logs are NOT_FOUND', async () => {
    const c = () => client(pki.apiserverKubeletClient);
    assert.match(
      await refused(logs(c(), { namespace: 'default', podName: 'web' })),
      /^INVALID_ARGUMENT: a container name is required/,
    );
    assert.match(
      await refused(logs(c(), { namespace: 'default', podName: 'web', container: 'app', tailLines: '-1' })),
      /^INVALID_ARGUMENT: tailLines must be an integer of at least 0/,
    );
    assert.match(
      await refused(logs(c(), { namespace: 'default', podName: 'web', container: 'app', limitBytes: '0' })),
      /^INVALID_ARGUMENT: limitBytes/,
    );
    assert.match(
      await refused(logs(c(), { namespace: 'default', podName: 'web', container: 'db' })),
      /^NOT_FOUND: .*container "db"/,
    );
  });
});
