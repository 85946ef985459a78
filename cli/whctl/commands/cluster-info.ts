/**
 * `whctl cluster-info`: where the control plane is and how its parts are, as kubectl
 * cluster-info. The apiserver answers the gRPC health check; the store, scheduler and
 * controller manager are known by their mirror pods in kube-system (`wheelhouse up` runs
 * them as static pods labelled tier=control-plane). `dump` prints the cluster's nodes,
 * and kube-system's and the default namespace's pods and events, as JSON.
 */

import { channelCredentials, channelOptions } from '../../../sdk/credentials.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { resolveResource } from '../../../sdk/kinds.js';
import { toJson } from '../../../sdk/manifest/print.js';
import { checkHealth } from '../../health-check.js';
import type { Command } from '../command.js';
import { commonFlags, parseFlags } from '../flags.js';
import { UsageError } from '../usage-error.js';

const help = `Display the address of the control plane and the health of its components.

Usage:
  whctl cluster-info
  whctl cluster-info dump [-A]

Flags:
  -A, --all-namespaces   dump: every namespace's pods and events, not only kube-system and default
      --config FILE      client config file
`;

const flags = { ...commonFlags, 'all-namespaces': { type: 'boolean', short: 'A' } } as const;

const SYSTEM_NAMESPACE = 'kube-system';

function kind(name: string) {
  const info = resolveResource(name);
  if (!info) throw new Error(`the kind table has no ${name}`);
  return info;
}

/** A pod's state in a few words: its phase, and whether it is Ready. */
export function podState(pod: Pod): string {
  const phase = pod.status?.phase || 'Pending';
  const ready = pod.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  return `${phase}${ready ? ', Ready' : ', not Ready'}`;
}

export const clusterInfoCommand: Command = {
  summary: 'Display the address of the control plane and the health of its components',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const [sub, ...rest] = positionals;
    if (rest.length > 0 || (sub !== undefined && sub !== 'dump')) {
      throw new UsageError(`unexpected arguments: ${positionals.join(' ')}`);
    }
    const config = ctx.config(values.config);
    const client = ctx.client(values.config);
    const pods = kind('pods');
    if (sub === 'dump') {
      const namespaces = values['all-namespaces'] ? [''] : [SYSTEM_NAMESPACE, 'default'];
      const nodes = await client.list(kind('nodes'), '');
      ctx.io.write(
        toJson(
          nodes.items.map((object) => ({ info: kind('nodes'), object })),
          { list: true },
        ),
      );
      for (const ns of namespaces) {
        for (const info of [pods, kind('events')]) {
          const list = await client.list(info, ns);
          ctx.io.write(
            toJson(
              list.items.map((object) => ({ info, object })),
              { list: true },
            ),
          );
        }
      }
      return 0;
    }
    let health: string;
    try {
      health = await checkHealth(config.server.split(',')[0] ?? config.server, channelCredentials(config), {
        options: channelOptions(config),
        timeoutMs: 5_000,
      });
    } catch (err) {
      ctx.io.writeError(
        `The connection to the server ${config.server} was refused or failed: ${(err as Error).message}\n`,
      );
      return 1;
    }
    ctx.io.write(`Control plane (wheelhouse-apiserver) is running at ${config.server} (${health})\n`);
    const mirrors = await client.list(pods, SYSTEM_NAMESPACE, { labelSelector: 'tier=control-plane' });
    const components = (mirrors.items as Pod[])
      .map((p) => ({ component: p.metadata?.labels?.component ?? p.metadata?.name ?? '', pod: p }))
      .sort((a, b) => a.component.localeCompare(b.component));
    for (const { component, pod } of components) {
      ctx.io.write(
        `${component} is running in pod ${SYSTEM_NAMESPACE}/${pod.metadata?.name ?? ''} on node ${pod.spec?.nodeName || '<none>'}: ${podState(pod)}\n`,
      );
    }
    if (components.length === 0) {
      ctx.io.write(
        `No control-plane pods in ${SYSTEM_NAMESPACE}: the store, scheduler and controller manager run outside ` +
          'the cluster (not as static pods), so their health is not known here.\n',
      );
    }
    ctx.io.write("\nTo further debug and diagnose cluster problems, use 'whctl cluster-info dump'.\n");
    return 0;
  },
};
