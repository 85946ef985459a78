import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, test } from 'node:test';
import { Metadata, status, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { kindFor } from '../../sdk/kinds.js';
import type { CallEnd } from '../../sdk/server/index.js';
import type { Authorizer } from '../auth/types.js';
import { RequestGate } from '../services/request.js';
import { AuditLog } from './audit-log.js';
import type { AuditSink } from './audit-sink.js';
import type { AuditLevel } from './policy.js';

function memoryLog(level: AuditLevel) {
  const lines: string[] = [];
  const sink: AuditSink = { write: (l) => lines.push(l), dropped: 0, close: async () => undefined };
  const log = new AuditLog({ level, sink, now: () => new Date('2030-01-01T00:00:01Z') });
  return { log, records: () => lines.map((l) => JSON.parse(l) as Record<string, unknown>) };
}

const end = (method: string, code: status, metadata?: Metadata): CallEnd => ({
  method,
  code,
  details: code === status.OK ? '' : 'refused: because',
  seconds: 0.25,
  ...(metadata ? { metadata } : {}),
  peer: 'ipv4:127.0.0.1:40000',
});

describe('audit: records', () => {
  test('a call refused at authentication is recorded from its method', () => {
    const { log, records } = memoryLog('Metadata');
    log.onCallEnd(end('/wheelhouse.core.v1.PodService/WatchPods', status.UNAUTHENTICATED, new Metadata()));
    const [r] = records();
    assert.deepEqual(
      { ...r, auditID: typeof r?.auditID },
      {
        time: '2030-01-01T00:00:01.000Z',
        auditID: 'string',
        level: 'Metadata',
        stage: 'ResponseComplete',
        method: '/wheelhouse.core.v1.PodService/WatchPods',
        user: '',
        uid: '',
        groups: [],
        sourceIP: '127.0.0.1',
        verb: 'watch',
        apiGroup: '',
        resource: 'pods',
        subresource: '',
        namespace: '',
        name: '',
        code: status.UNAUTHENTICATED,
        status: 'UNAUTHENTICATED',
        message: 'refused: because',
        latencyMs: 250,
        requestReceivedTimestamp: '2030-01-01T00:00:00.750Z',
      },
    );
  });

  test('an authorized call is recorded with the attributes the request gate decided on', async () => {
    const { log, records } = memoryLog('Metadata');
    const denyDelete: Authorizer = {
      authorize: (a) => ({ allowed: a.verb !== 'delete', reason: a.verb === 'delete' ? 'no deleting' : '' }),
    };
    const gate = new RequestGate(denyDelete);
    const info = kindFor('apps/v1', 'Deployment')!;
    const allowed = new Metadata();
    await gate.admit(allowed, { verb: 'update', info, subresource: 'scale', namespace: 'prod', name: 'web' });
    log.onCallEnd(end('/wheelhouse.apps.v1.DeploymentService/UpdateDeploymentScale', status.OK, allowed));
    const denied = new Metadata();
    await assert.rejects(gate.admit(denied, { verb: 'delete', info, namespace: 'prod', name: 'web' }));
    log.onCallEnd(
      end('/wheelhouse.apps.v1.DeploymentService/DeleteDeployment', status.PERMISSION_DENIED, denied),
    );
    const [ok, forbidden] = records();
    assert.equal(ok?.user, 'system:anonymous');
    assert.deepEqual(
      [
        ok?.verb,
        ok?.apiGroup,
        ok?.resource,
        ok?.subresource,
        ok?.namespace,
        ok?.name,
        ok?.decision,
        ok?.status,
      ],
      ['update', 'apps', 'deployments', 'scale', 'prod', 'web', 'allow', 'OK'],
    );
    assert.equal(ok?.message, undefined);
    assert.deepEqual(
      [forbidden?.verb, forbidden?.decision, forbidden?.reason],
      ['delete', 'forbid', 'no deleting'],
    );
  });

  test('health and reflection calls are not recorded; level None records nothing', () => {
    const metadataLevel = memoryLog('Metadata');
    metadataLevel.log.onCallEnd(end('/grpc.health.v1.Health/Check', status.OK));
    metadataLevel.log.onCallEnd(end('/grpc.reflection.v1.ServerReflection/ServerReflectionInfo', status.OK));
    assert.equal(metadataLevel.records().length, 0);
    const none = memoryLog('None');
    none.log.onCallEnd(end('/wheelhouse.core.v1.PodService/ListPods', status.OK));
    assert.equal(none.records().length, 0);
  });

  test('Request level: the request object, redacted; every level: the name of a created object', () => {
    const request = {
      secret: { metadata: { name: 'db', namespace: 'default' }, data: { pw: Buffer.from('x') } },
    };
    const seen: unknown[] = [];
    const impl: UntypedServiceImplementation = {
      createSecret: ((call: { request: unknown }) => seen.push(call.request)) as never,
    };
    for (const level of ['Metadata', 'Request'] as const) {
      const { log, records } = memoryLog(level);
      const metadata = new Metadata();
      const handler = log.captureRequests(impl).createSecret as unknown as (call: unknown) => void;
      handler({ request, metadata });
      log.onCallEnd(end('/wheelhouse.core.v1.SecretService/CreateSecret', status.OK, metadata));
      const [r] = records();
      assert.equal(r?.name, 'db', level);
      assert.equal(r?.resource, 'secrets');
      if (level === 'Request') {
        assert.deepEqual(r?.requestObject, {
          secret: { metadata: { name: 'db', namespace: 'default' }, data: { pw: '[redacted]' } },
        });
      } else assert.equal(r?.requestObject, undefined);
    }
    assert.equal(seen.length, 2, 'the wrapped handler still runs');
  });

  test('a call its client cancels is recorded once, as CANCELLED, from what the gate decided', async () => {
    const { log, records } = memoryLog('Metadata');
    const impl: UntypedServiceImplementation = {
      watchPods: (() => undefined) as never,
    };
    const gate = new RequestGate({ authorize: () => ({ allowed: true, reason: '' }) });
    const metadata = new Metadata();
    const call = Object.assign(new EventEmitter(), {
      request: { namespace: 'prod' },
      metadata,
      getPeer: () => '127.0.0.1:1',
    });
    (log.captureRequests(impl).watchPods as unknown as (c: unknown) => void)(call);
    await gate.admit(metadata, { verb: 'watch', info: kindFor('v1', 'Pod')!, namespace: 'prod', name: '' });
    call.emit('cancelled');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    log.onCallEnd(end('/wheelhouse.core.v1.PodService/WatchPods', status.CANCELLED, metadata));
    const all = records();
    assert.equal(all.length, 1);
    assert.deepEqual(
      [all[0]?.method, all[0]?.status, all[0]?.verb, all[0]?.resource, all[0]?.namespace],
      ['/wheelhouse.core.v1.PodService/WatchPods', 'CANCELLED', 'watch', 'pods', 'prod'],
    );
  });
});

describe('audit: impersonation', () => {
  test('names the caller who made the call, and the user it acted as', () => {
    const { log, records } = memoryLog('Metadata');
    const admin = { name: 'admin', uid: '', groups: ['system:masters', 'system:authenticated'] };
    log.recordRest({
      method: 'GET',
      path: '/api/v1/namespaces/default/pods',
      requestURI: '/api/v1/namespaces/default/pods',
      userAgent: 'kubectl',
      user: { name: 'alice', uid: '', groups: ['dev', 'system:authenticated'], impersonator: admin },
      peer: '127.0.0.1:40000',
      name: '',
      responseCode: 200,
      seconds: 0.01,
      record: new Metadata(),
    });
    const [r] = records();
    assert.equal(r?.user, 'admin');
    assert.deepEqual(r?.groups, ['system:masters', 'system:authenticated']);
    assert.deepEqual(r?.impersonatedUser, {
      username: 'alice',
      uid: '',
      groups: ['dev', 'system:authenticated'],
    });
  });
});
