/**
 * Admission webhooks end to end: real webhook gRPC servers (TLS, verified through the
 * configuration's caBundle) called by a real apiserver, configured through the API.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import {
  type Client,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { ApiError, Code } from '../../../sdk/errors.js';
import type {
  AdmissionRequest,
  AdmissionResponse,
} from '../../../sdk/gen/wheelhouse/admission/v1/admission.js';
import {
  AdmissionServiceService,
  type ReviewRequest,
  type ReviewResponse,
} from '../../../sdk/gen/wheelhouse/admission/v1/admission_service.js';
import type { MutatingWebhook } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/mutating_webhook_configuration.js';
import type { ValidatingWebhook } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/validating_webhook_configuration.js';
import type { RuleWithOperations } from '../../../sdk/gen/wheelhouse/admissionregistration/v1/webhook.js';
import { Deployment } from '../../../sdk/gen/wheelhouse/apps/v1/deployment.js';
import { Namespace } from '../../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ensureCa, ensureCert } from '../../../sdk/pki/index.js';
import { type Cluster, call, startCluster } from '../../../test/cluster.js';
import { deployment, pod } from '../../../test/objects.js';

type Answer = Partial<AdmissionResponse> | 'hang';

/** A webhook server that answers with whatever the test's handler says, and records what it was asked. */
interface WebhookServer {
  readonly url: string;
  readonly requests: AdmissionRequest[];
  handler: (req: AdmissionRequest) => Answer;
  stop(): void;
}

async function startWebhookServer(cert: Buffer, key: Buffer): Promise<WebhookServer> {
  const server = new Server();
  const self: WebhookServer = {
    url: '',
    requests: [],
    handler: () => ({ allowed: true }),
    stop: () => server.forceShutdown(),
  };
  server.addService(AdmissionServiceService, {
    review(call: ServerUnaryCall<ReviewRequest, ReviewResponse>, done: sendUnaryData<ReviewResponse>) {
      const req = call.request.request;
      if (!req) return done(new Error('no request'));
      self.requests.push(req);
      const answer = self.handler(req);
      if (answer === 'hang') return; // The apiserver's deadline ends the call.
      done(null, {
        response: {
          uid: req.uid,
          allowed: false,
          patch: Buffer.alloc(0),
          patchType: '',
          warnings: [],
          auditAnnotations: {},
          ...answer,
        },
      });
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      '127.0.0.1:0',
      ServerCredentials.createSsl(null, [{ cert_chain: cert, private_key: key }], false),
      (err, p) => (err ? reject(err) : resolve(p)),
    ),
  );
  return Object.assign(self, { url: `https://127.0.0.1:${port}` });
}

/** A port nothing listens on: bound once, then released. */
async function closedPort(): Promise<number> {
  const server = new Server();
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  server.forceShutdown();
  return port;
}

async function rejects(p: Promise<unknown>, code: number, pattern?: RegExp): Promise<ApiError> {
  const err = await p.then(
    () => assert.fail('expected the call to fail'),
    (e: unknown) => e,
  );
  assert.ok(err instanceof ApiError, `expected an ApiError, got ${String(err)}`);
  assert.equal(Code[err.code], Code[code], err.message);
  if (pattern) assert.match(err.message, pattern);
  return err;
}

const podRules: RuleWithOperations[] = [
  { operations: ['CREATE', 'UPDATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'] },
];

describe('admission webhooks over gRPC', () => {
  let cluster: Cluster;
  let caBundle: Buffer;
  let hook: WebhookServer;
  let other: WebhookServer;
  let pods: Client;

  before(async () => {
    cluster = await startCluster();
    const ca = ensureCa(cluster.dir, 'webhook-ca');
    const files = ensureCert(cluster.dir, ca, 'webhook-server', {
      commonName: 'webhook.test',
      ipAddresses: ['127.0.0.1'],
      usage: 'server',
    });
    caBundle = Buffer.from(ca.certificatePem);
    const cert = readFileSync(files.certFile);
    const key = readFileSync(files.keyFile);
    hook = await startWebhookServer(cert, key);
    other = await startWebhookServer(cert, key);
    pods = cluster.client('pods');
  });
  after(async () => {
    hook?.stop();
    other?.stop();
    await cluster?.stop();
  });

  /** A webhook of the test server, with the defaults a test may override. */
  function webhook(name: string, extra: Partial<MutatingWebhook> = {}): MutatingWebhook {
    return {
      name,
      clientConfig: { url: hook.url, caBundle },
      rules: podRules,
      sideEffects: 'None',
      admissionReviewVersions: ['v1'],
      matchConditions: [],
      ...extra,
    };
  }

  /**
   * Registers webhooks through the API for the length of `body`. The apiserver reads
   * configurations from its watch cache: a list without resourceVersion waits until the
   * cache has caught up with the store, so the webhooks are in force when body starts.
   */
  async function withWebhooks(
    kind: 'Mutating' | 'Validating',
    webhooks: MutatingWebhook[],
    body: () => Promise<void>,
    name = `${kind.toLowerCase()}-test`,
  ): Promise<void> {
    const resource = `${kind.toLowerCase()}webhookconfigurations`;
    const client = cluster.client(resource);
    const field = `${kind.toLowerCase()}WebhookConfiguration`;
    const hooks = kind === 'Validating' ? webhooks.map(({ reinvocationPolicy: _r, ...h }) => h) : webhooks;
    await call(client, `create${kind}WebhookConfiguration`, {
      [field]: {
        apiVersion: 'admissionregistration.k8s.io/v1',
        kind: `${kind}WebhookConfiguration`,
        metadata: { name },
        webhooks: hooks as ValidatingWebhook[],
      },
    });
    await call(client, `list${kind}WebhookConfigurations`, {});
    hook.requests.length = 0;
    other.requests.length = 0;
    try {
      await body();
    } finally {
      await call(client, `delete${kind}WebhookConfiguration`, { name });
      await call(client, `list${kind}WebhookConfigurations`, {});
      hook.handler = () => ({ allowed: true });
      other.handler = () => ({ allowed: true });
    }
  }

  const createPod = (p: Pod, dryRun = false) => call<{ pod: Pod }>(pods, 'createPod', { pod: p, dryRun });

  test('an allowing webhook admits the request and is sent the whole request', async () => {
    hook.handler = () => ({ allowed: true });
    await withWebhooks('Validating', [webhook('allow.webhooks.test')], async () => {
      const { pod: created } = await createPod(pod('allowed-1'));
      assert.equal(created.metadata?.name, 'allowed-1');
      assert.equal(hook.requests.length, 1);
      const req = hook.requests[0]!;
      assert.deepEqual(req.kind, { group: '', version: 'v1', kind: 'Pod' });
      assert.deepEqual(req.resource, { group: '', version: 'v1', resource: 'pods' });
      assert.equal(req.operation, 1 /* CREATE */);
      assert.equal(req.namespace, 'default');
      assert.equal(req.name, 'allowed-1');
      assert.equal(req.dryRun, false);
      assert.equal(req.userInfo?.username, 'admin');
      assert.ok(req.userInfo?.groups.includes('system:masters'));
      assert.equal(req.object?.typeUrl, 'type.googleapis.com/wheelhouse.core.v1.Pod');
      const sent = Pod.decode(req.object!.value);
      assert.equal(sent.metadata?.name, 'allowed-1');
      assert.equal(sent.spec?.restartPolicy, 'Always', 'the object is sent defaulted');
      assert.equal(req.oldObject, undefined);
      assert.match(req.uid, /^[0-9a-f-]{36}$/);

      // dryRun reaches the webhook, and a dry run stores nothing.
      await createPod(pod('allowed-dry'), true);
      assert.equal(hook.requests.at(-1)?.dryRun, true);
      await rejects(call(pods, 'getPod', { namespace: 'default', name: 'allowed-dry' }), Code.NOT_FOUND);

      // Updates carry the stored object as oldObject.
      created.metadata!.labels = { ...created.metadata!.labels, tier: 'front' };
      await call(pods, 'updatePod', { pod: created });
      const update = hook.requests.at(-1)!;
      assert.equal(update.operation, 2 /* UPDATE */);
      assert.equal(Pod.decode(update.oldObject!.value).metadata?.labels.tier, undefined);
      assert.equal(Pod.decode(update.object!.value).metadata?.labels.tier, 'front');
    });
  });

  test("a denying webhook refuses with PERMISSION_DENIED and the webhook's message", async () => {
    hook.handler = (req) => ({
      allowed: false,
      result: { code: 0, reason: '', message: `pods named ${req.name} are not welcome here` },
    });
    await withWebhooks('Validating', [webhook('deny.webhooks.test')], async () => {
      await rejects(
        createPod(pod('denied-1')),
        Code.PERMISSION_DENIED,
        /^admission webhook "deny\.webhooks\.test" denied the request: pods named denied-1 are not welcome here$/,
      );
      await rejects(call(pods, 'getPod', { namespace: 'default', name: 'denied-1' }), Code.NOT_FOUND);
    });
    // Gone with its configuration.
    await createPod(pod('denied-1'));
  });

  test('a mutating webhook changes the object by JSON Patch', async () => {
    hook.handler = () => ({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(
        JSON.stringify([
          { op: 'add', path: '/metadata/labels/team', value: 'payments' },
          { op: 'replace', path: '/spec/containers/0/image', value: 'nginx:1.28' },
        ]),
      ),
    });
    await withWebhooks('Mutating', [webhook('patch.webhooks.test')], async () => {
      const { pod: created } = await createPod(pod('patched-1'));
      assert.equal(created.metadata?.labels.team, 'payments');
      assert.equal(created.metadata?.labels.app, 'web');
      assert.equal(created.spec?.containers[0]?.image, 'nginx:1.28');
      const { pod: stored } = await call<{ pod: Pod }>(pods, 'getPod', {
        namespace: 'default',
        name: 'patched-1',
      });
      assert.equal(stored.metadata?.labels.team, 'payments');
    });
  });

  test('a mutating webhook changes the object by sending a new one; it cannot change its identity', async () => {
    hook.handler = (req) => {
      const p = Pod.decode(req.object!.value);
      p.metadata!.annotations = { ...p.metadata!.annotations, 'webhooks.test/seen': 'yes' };
      p.metadata!.uid = 'chosen-by-webhook';
      return {
        allowed: true,
        object: { typeUrl: req.object!.typeUrl, value: Buffer.from(Pod.encode(p).finish()) },
      };
    };
    await withWebhooks('Mutating', [webhook('object.webhooks.test')], async () => {
      const { pod: created } = await createPod(pod('replaced-1'));
      assert.equal(created.metadata?.annotations['webhooks.test/seen'], 'yes');
      assert.notEqual(created.metadata?.uid, 'chosen-by-webhook');
      assert.match(created.metadata!.uid, /^[0-9a-f-]{36}$/);
    });
    hook.handler = (req) => {
      const p = Pod.decode(req.object!.value);
      p.metadata!.name = 'renamed';
      return {
        allowed: true,
        object: { typeUrl: req.object!.typeUrl, value: Buffer.from(Pod.encode(p).finish()) },
      };
    };
    await withWebhooks('Mutating', [webhook('rename.webhooks.test')], async () => {
      await rejects(createPod(pod('replaced-2')), Code.INTERNAL, /may not change metadata\.name/);
    });
  });

  test('mutating webhooks run by configuration name, each seeing the changes before it', async () => {
    hook.handler = () => ({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/first', value: 'a' }])),
    });
    other.handler = (req) => {
      const labels = Pod.decode(req.object!.value).metadata?.labels ?? {};
      return {
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(
          JSON.stringify([
            { op: 'add', path: '/metadata/labels/second', value: `after-${labels.first ?? 'none'}` },
          ]),
        ),
      };
    };
    const second = webhook('second.webhooks.test', { clientConfig: { url: other.url, caBundle } });
    // "b-" sorts after "a-": the first configuration is created last to show that order is by name.
    await withWebhooks(
      'Mutating',
      [second],
      () =>
        withWebhooks(
          'Mutating',
          [webhook('first.webhooks.test')],
          async () => {
            const { pod: created } = await createPod(pod('ordered-1'));
            assert.equal(created.metadata?.labels.first, 'a');
            assert.equal(created.metadata?.labels.second, 'after-a');
          },
          'a-first',
        ),
      'b-second',
    );
  });

  test('reinvocationPolicy IfNeeded: called again when a later webhook changed the object', async () => {
    // The first webhook records whether it saw the second one's label; the second adds it.
    hook.handler = (req) => {
      const labels = Pod.decode(req.object!.value).metadata?.labels ?? {};
      return {
        allowed: true,
        patchType: 'JSONPatch',
        patch: Buffer.from(
          JSON.stringify([{ op: 'add', path: '/metadata/labels/saw-second', value: labels.second ?? 'no' }]),
        ),
      };
    };
    other.handler = () => ({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/second', value: 'yes' }])),
    });
    const first = webhook('first.webhooks.test', { reinvocationPolicy: 'IfNeeded' });
    const second = webhook('second.webhooks.test', { clientConfig: { url: other.url, caBundle } });
    await withWebhooks('Mutating', [first, second], async () => {
      const { pod: created } = await createPod(pod('reinvoked-1'));
      assert.equal(created.metadata?.labels['saw-second'], 'yes');
      assert.equal(hook.requests.length, 2, 'the IfNeeded webhook was called twice');
      assert.equal(other.requests.length, 1, 'the Never webhook once');
    });
  });

  test('a webhook that does not answer in time: Fail refuses, Ignore admits', async () => {
    hook.handler = () => 'hang';
    await withWebhooks('Validating', [webhook('slow.webhooks.test', { timeoutSeconds: 1 })], async () => {
      const started = Date.now();
      await rejects(
        createPod(pod('slow-1')),
        Code.DEADLINE_EXCEEDED,
        /^failed calling webhook "slow\.webhooks\.test": no answer within the timeout of 1s/,
      );
      assert.ok(Date.now() - started >= 900, 'waited for the timeout');
      assert.ok(Date.now() - started < 5_000, 'and not much longer');
      await rejects(call(pods, 'getPod', { namespace: 'default', name: 'slow-1' }), Code.NOT_FOUND);
    });
    hook.handler = () => 'hang';
    await withWebhooks(
      'Mutating',
      [webhook('slow-ignored.webhooks.test', { timeoutSeconds: 1, failurePolicy: 'Ignore' })],
      async () => {
        const { pod: created } = await createPod(pod('slow-2'));
        assert.equal(created.metadata?.name, 'slow-2');
        assert.equal(hook.requests.length, 1, 'the webhook was called');
      },
    );
  });

  test('an unreachable webhook: Fail refuses, Ignore admits', async () => {
    const url = `https://127.0.0.1:${await closedPort()}`;
    await withWebhooks(
      'Validating',
      [webhook('down.webhooks.test', { clientConfig: { url, caBundle } })],
      async () => {
        await rejects(
          createPod(pod('down-1')),
          Code.UNAVAILABLE,
          /^failed calling webhook "down\.webhooks\.test": /,
        );
      },
    );
    await withWebhooks(
      'Mutating',
      [webhook('down-ignored.webhooks.test', { clientConfig: { url, caBundle }, failurePolicy: 'Ignore' })],
      async () => {
        await createPod(pod('down-2'));
      },
    );
  });

  test('a webhook whose certificate the caBundle does not vouch for is not trusted', async () => {
    const stranger = ensureCa(cluster.dir, 'stranger-ca');
    const caOther = Buffer.from(stranger.certificatePem);
    await withWebhooks(
      'Validating',
      [webhook('untrusted.webhooks.test', { clientConfig: { url: hook.url, caBundle: caOther } })],
      async () => {
        await rejects(createPod(pod('untrusted-1')), Code.UNAVAILABLE, /untrusted\.webhooks\.test/);
        assert.equal(hook.requests.length, 0, 'nothing was sent to a server that was not verified');
      },
    );
  });

  test('a validating webhook may not change the object', async () => {
    hook.handler = () => ({
      allowed: true,
      patchType: 'JSONPatch',
      patch: Buffer.from(JSON.stringify([{ op: 'add', path: '/metadata/labels/x', value: 'y' }])),
    });
    await withWebhooks('Validating', [webhook('sneaky.webhooks.test')], async () => {
      await rejects(createPod(pod('sneaky-1')), Code.INTERNAL, /may not change the object/);
    });
  });

  test('rules select requests: a webhook for deployments does not see pods', async () => {
    hook.handler = () => ({ allowed: false, result: { code: 0, reason: '', message: 'no deployments' } });
    const rules: RuleWithOperations[] = [
      { operations: ['CREATE'], apiGroups: ['apps'], apiVersions: ['v1'], resources: ['deployments'] },
    ];
    await withWebhooks('Validating', [webhook('deployments.webhooks.test', { rules })], async () => {
      await createPod(pod('rules-1'));
      assert.equal(hook.requests.length, 0, 'the pod was not sent');
      await rejects(
        call(cluster.client('deployments'), 'createDeployment', { deployment: deployment('rules-web') }),
        Code.PERMISSION_DENIED,
        /denied the request: no deployments/,
      );
      assert.equal(hook.requests.length, 1);
      assert.deepEqual(hook.requests[0]?.resource, { group: 'apps', version: 'v1', resource: 'deployments' });
      assert.equal(Deployment.decode(hook.requests[0]!.object!.value).metadata?.name, 'rules-web');
    });
  });

  test('rules select operations: a DELETE-only webhook sees deletions with the old object', async () => {
    await createPod(pod('delete-me'));
    hook.handler = () => ({ allowed: false, result: { code: 0, reason: '', message: 'keep it' } });
    const rules: RuleWithOperations[] = [
      { operations: ['DELETE'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*'] },
    ];
    await withWebhooks('Validating', [webhook('nodelete.webhooks.test', { rules })], async () => {
      await createPod(pod('delete-me-not'));
      assert.equal(hook.requests.length, 0, 'creates are not sent');
      await rejects(
        call(pods, 'deletePod', {
          namespace: 'default',
          name: 'delete-me',
          options: { gracePeriodSeconds: '0' },
        }),
        Code.PERMISSION_DENIED,
        /keep it/,
      );
      const req = hook.requests[0]!;
      assert.equal(req.operation, 3 /* DELETE */);
      assert.equal(req.object, undefined);
      assert.equal(Pod.decode(req.oldObject!.value).metadata?.name, 'delete-me');
    });
  });

  test('namespaceSelector: only objects in namespaces with matching labels are sent', async () => {
    await call(cluster.client('namespaces'), 'createNamespace', {
      namespace: Namespace.fromPartial({
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name: 'guarded', labels: { 'webhooks.test/guard': 'on' } },
      }),
    });
    hook.handler = () => ({ allowed: false, result: { code: 0, reason: '', message: 'guarded namespace' } });
    const namespaceSelector = { matchLabels: { 'webhooks.test/guard': 'on' }, matchExpressions: [] };
    await withWebhooks('Validating', [webhook('guard.webhooks.test', { namespaceSelector })], async () => {
      await createPod(pod('free-1'));
      assert.equal(hook.requests.length, 0);
      await rejects(
        createPod(pod('guarded-1', { namespace: 'guarded' })),
        Code.PERMISSION_DENIED,
        /guarded namespace/,
      );
    });
  });

  test('objectSelector: only objects with matching labels are sent', async () => {
    hook.handler = () => ({ allowed: false, result: { code: 0, reason: '', message: 'canary refused' } });
    const objectSelector = { matchLabels: { track: 'canary' }, matchExpressions: [] };
    await withWebhooks('Validating', [webhook('canary.webhooks.test', { objectSelector })], async () => {
      await createPod(pod('stable-1'));
      await rejects(
        createPod(pod('canary-1', { labels: { app: 'web', track: 'canary' } })),
        Code.PERMISSION_DENIED,
        /canary refused/,
      );
      assert.equal(hook.requests.length, 1);
    });
  });

  test('webhook configurations themselves are never sent to webhooks', async () => {
    hook.handler = () => ({ allowed: false, result: { code: 0, reason: '', message: 'everything refused' } });
    const rules: RuleWithOperations[] = [
      { operations: ['*'], apiGroups: ['*'], apiVersions: ['*'], resources: ['*/*'] },
    ];
    await withWebhooks('Validating', [webhook('all.webhooks.test', { rules })], async () => {
      await rejects(createPod(pod('all-1')), Code.PERMISSION_DENIED, /everything refused/);
      // Otherwise this configuration could not be deleted, nor another one created.
      await withWebhooks('Mutating', [webhook('inner.webhooks.test')], async () => {}, 'inner');
    });
  });
});
