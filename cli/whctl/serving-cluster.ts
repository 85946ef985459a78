/**
 * For integration tests that need the real apiserver: a test cluster
 * (test/cluster.ts) that has answered a list, or the reason there is none. While
 * the apiserver is being built, tests skip with that reason instead of failing.
 */

import { resolveResource } from '../../sdk/kinds.js';
import { type Cluster, startCluster } from '../../test/cluster.js';
import { connectionFor, createApiClient } from './api-client.js';

export type ServingCluster =
  | { cluster: Cluster; unavailable?: undefined }
  | { cluster?: undefined; unavailable: string };

export async function startServingCluster(): Promise<ServingCluster> {
  let cluster: Cluster;
  try {
    cluster = await startCluster();
  } catch (err) {
    return { unavailable: `the apiserver does not start yet: ${firstLines(err)}` };
  }
  const namespaces = resolveResource('namespaces');
  const client = createApiClient(connectionFor({ ...cluster.admin, server: cluster.apiserver, path: '' }));
  try {
    if (!namespaces) throw new Error('no namespaces kind');
    await client.list(namespaces, '');
    return { cluster };
  } catch (err) {
    await cluster.stop();
    return { unavailable: `the apiserver does not serve yet: ${firstLines(err)}` };
  } finally {
    client.close();
  }
}

function firstLines(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n').slice(0, 3).join(' ');
}
