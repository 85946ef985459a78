/**
 * The service account controller against a real store and apiserver, run in process with
 * the controller manager's identity.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Namespace } from '../../sdk/gen/wheelhouse/core/v1/namespace.js';
import { ServiceAccount } from '../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { isGone, useCluster, waitFor } from '../shared/testing.js';
import { serviceAccountController } from './index.js';

describe('service account controller', { timeout: 60_000 }, () => {
  const suite = useCluster({ inProcess: { controllers: [serviceAccountController] } });
  const sas = () => suite.admin.kind<ServiceAccount>('ServiceAccount');
  const present = (ns: string) =>
    waitFor(`the default ServiceAccount in ${ns}`, async () =>
      (await isGone(sas().get(ns, 'default'))) ? undefined : true,
    );

  it('every namespace has a default ServiceAccount: the system ones and a new one', async () => {
    // The apiserver makes none itself: these come from the controller.
    await present('kube-system');
    await present('kube-public');
    await suite.admin
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ metadata: { name: 'fresh' } }));
    await present('fresh');
  });

  it('a deleted default ServiceAccount comes back; other ServiceAccounts do not', async () => {
    await present('default');
    const before = await sas().get('default', 'default');
    await sas().delete('default', 'default');
    const back = await waitFor('the default ServiceAccount to come back', async () => {
      const sa = await sas()
        .get('default', 'default')
        .catch(() => undefined);
      return sa && sa.metadata?.uid !== before.metadata?.uid ? sa : undefined;
    });
    assert.ok(back.metadata?.uid);
    await sas().create(ServiceAccount.fromPartial({ metadata: { name: 'robot', namespace: 'default' } }));
    await sas().delete('default', 'robot');
    // A namespace event makes the controller look at `default` again; robot stays gone.
    await suite.admin
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ metadata: { name: 'fresh-2' } }));
    await present('fresh-2');
    assert.ok(await isGone(sas().get('default', 'robot')));
  });

  it('leaves a terminating namespace alone', async () => {
    const namespaces = suite.admin.kind<Namespace>('Namespace');
    await namespaces.create(Namespace.fromPartial({ metadata: { name: 'leaving' } }));
    await present('leaving');
    // No namespace controller runs here: the namespace stays Terminating.
    await namespaces.delete('', 'leaving');
    await sas().delete('leaving', 'default');
    await suite.admin
      .kind<Namespace>('Namespace')
      .create(Namespace.fromPartial({ metadata: { name: 'fresh-3' } }));
    await present('fresh-3');
    assert.ok(await isGone(sas().get('leaving', 'default')));
  });
});
