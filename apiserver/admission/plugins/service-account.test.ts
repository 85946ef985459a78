import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ApiError, Code } from '../../../sdk/errors.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { ServiceAccount } from '../../../sdk/gen/wheelhouse/core/v1/service_account.js';
import { fromYaml } from '../../kinds/testing.js';
import { type ServiceAccountAccess, serviceAccount } from './service-account.js';
import { attrsFor } from './testing.js';

function fakeAccounts(initial: string[] = []) {
  const accounts = new Set(initial);
  let creates = 0;
  const access: ServiceAccountAccess = {
    async get(ns, name) {
      return accounts.has(`${ns}/${name}`)
        ? ServiceAccount.fromPartial({ metadata: { name, namespace: ns } })
        : undefined;
    },
    async createDefault(ns) {
      creates++;
      accounts.add(`${ns}/default`);
    },
  };
  return { access, accounts, creates: () => creates };
}

const pod = (spec = '', annotations = '{}') =>
  fromYaml<Pod>(`
apiVersion: v1
kind: Pod
metadata: {name: p, namespace: team, annotations: ${annotations}}
spec:
  containers: [{name: a, image: nginx}]
${spec}`);

async function run(plugin: ReturnType<typeof serviceAccount>, p: Pod) {
  const attrs = attrsFor('CREATE', p);
  await plugin.admit?.(attrs);
  await plugin.validate?.(attrs);
}

describe('ServiceAccount', () => {
  it('defaults to the default account and creates it once, on demand', async () => {
    const fake = fakeAccounts();
    const plugin = serviceAccount(fake.access);
    const p = pod();
    await run(plugin, p);
    assert.equal(p.spec?.serviceAccountName, 'default');
    assert.ok(fake.accounts.has('team/default'));
    await run(plugin, pod());
    assert.equal(fake.creates(), 1);
  });

  it('refuses a pod naming an account that does not exist', async () => {
    const plugin = serviceAccount(fakeAccounts().access);
    await assert.rejects(run(plugin, pod('  serviceAccountName: robot')), (err: ApiError) => {
      assert.equal(err.code, Code.PERMISSION_DENIED);
      assert.match(err.message, /^pods "p" is forbidden: error looking up service account team\/robot/);
      return true;
    });
  });

  it('admits a pod naming an existing account without creating anything', async () => {
    const fake = fakeAccounts(['team/robot']);
    await run(serviceAccount(fake.access), pod('  serviceAccountName: robot'));
    assert.equal(fake.creates(), 0);
  });

  it('leaves mirror pods alone', async () => {
    const fake = fakeAccounts();
    await run(serviceAccount(fake.access), pod('', '{kubernetes.io/config.mirror: abc}'));
    assert.equal(fake.creates(), 0);
  });
});
