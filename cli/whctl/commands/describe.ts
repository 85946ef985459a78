/**
 * `whctl describe TYPE [NAME_PREFIX...] | TYPE/NAME`: each object in words, with the
 * Events recorded about it, as `kubectl describe`. Pods, Nodes, Services, Endpoints and
 * HorizontalPodAutoscalers have describers of their own; every other kind prints its spec
 * and status as a tree. A name that is not found exactly describes every object whose name
 * starts with it, as kubectl does.
 */
import type { ApiClient } from '../../../sdk/client/dynamic-client.js';
import { Code, isApiError } from '../../../sdk/errors.js';
import type { HorizontalPodAutoscaler } from '../../../sdk/gen/wheelhouse/autoscaling/v2/horizontal_pod_autoscaler.js';
import type { Endpoints } from '../../../sdk/gen/wheelhouse/core/v1/endpoints.js';
import type { Node } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { EndpointSlice } from '../../../sdk/gen/wheelhouse/discovery/v1/endpoint_slice.js';
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import type { Command } from '../command.js';
import { Description } from '../describe/description.js';
import { describeEndpoints } from '../describe/endpoints.js';
import { describeEvents, eventsOf } from '../describe/events.js';
import { describeGeneric } from '../describe/generic.js';
import { describeHorizontalPodAutoscaler } from '../describe/horizontal-pod-autoscaler.js';
import { describeNode } from '../describe/node.js';
import { describePod } from '../describe/pod.js';
import { describeService, SERVICE_NAME_LABEL } from '../describe/service.js';
import { commonFlags, parseFlags } from '../flags.js';
import { DEFAULT_NAMESPACE } from '../namespaces.js';
import { kindLabel, parseResourceArgs, resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';

const help = `Show details of a specific resource or group of resources, with their events.

Usage:
  whctl describe TYPE [NAME_PREFIX...] [flags]
  whctl describe TYPE/NAME [TYPE/NAME...] [flags]

Examples:
  whctl describe pod web                # one pod: containers, conditions, events
  whctl describe pods -l app=web        # every pod with that label
  whctl describe nodes                  # every node
  whctl describe svc web                # ports, target ports and the endpoints behind each
  whctl describe ep web                 # each subset's addresses, ready and not, and its ports
  whctl describe hpa web                # metrics (current / target), bounds, replicas, conditions
  whctl describe deploy/web rs/web-7d4b9

Flags:
  -n, --namespace NS          namespace (default "default")
  -A, --all-namespaces        across every namespace
  -l, --selector SELECTOR     label selector
      --show-events BOOL      list the events of each object (default true)
      --config FILE           client config file
`;

const flags = {
  ...commonFlags,
  'all-namespaces': { type: 'boolean', short: 'A' },
  selector: { type: 'string', short: 'l' },
  'show-events': { type: 'string' },
} as const;

export const describeCommand: Command = {
  summary: 'Show details of a resource, with its events',
  help,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const requests = parseResourceArgs(positionals);
    const showEvents = values['show-events'] === undefined || values['show-events'] === 'true';
    if (!['true', 'false', undefined].includes(values['show-events']))
      throw new UsageError(
        `--show-events must be true or false, not ${JSON.stringify(values['show-events'])}`,
      );
    const namespace = values['all-namespaces'] ? '' : (values.namespace ?? DEFAULT_NAMESPACE);
    const client = ctx.client(values.config);
    const found: { info: KindInfo; object: KindObject }[] = [];
    for (const { info, names } of requests) {
      if (names.length === 0) {
        const list = await client.list(info, namespace, { labelSelector: values.selector ?? '' });
        for (const object of list.items) found.push({ info, object });
        continue;
      }
      for (const name of names) {
        for (const object of await byNameOrPrefix(client, info, namespace || DEFAULT_NAMESPACE, name))
          found.push({ info, object });
      }
    }
    if (found.length === 0) {
      ctx.io.writeError(
        namespace === '' ? 'No resources found\n' : `No resources found in ${namespace} namespace.\n`,
      );
      return 0;
    }
    const texts: string[] = [];
    for (const { info, object } of found) {
      const d = new Description();
      const describer = describers[info.kind];
      if (describer) await describer(d, object, client);
      else describeGeneric(d, info, object);
      if (showEvents) describeEvents(d, await eventsOf(client, object), ctx.io.now());
      texts.push(d.render());
    }
    ctx.io.write(texts.join('\n\n'));
    return 0;
  },
};

/** A kind's own describer, given what else it needs to read through the client. */
type Describer = (d: Description, object: KindObject, client: ApiClient) => Promise<void>;

const describers: Readonly<Record<string, Describer>> = {
  Pod: async (d, pod) => describePod(d, pod as Pod),
  // The pods on the node, for their requests.
  Node: async (d, node, client) => {
    const pods = await client.list(resolveKind('pods'), '', {
      fieldSelector: `spec.nodeName=${node.metadata?.name ?? ''}`,
    });
    describeNode(d, node as Node, pods.items as Pod[]);
  },
  // The Service's EndpointSlices, for the endpoints behind each port. Someone who may
  // read Services but not EndpointSlices still gets the rest, as kubectl gives it.
  Service: async (d, svc, client) => {
    const m = svc.metadata;
    const slices = await client
      .list(resolveKind('endpointslices'), m?.namespace ?? '', {
        labelSelector: `${SERVICE_NAME_LABEL}=${m?.name ?? ''}`,
      })
      .then(
        (list) => list.items as EndpointSlice[],
        (err: unknown) => {
          if (isApiError(err, Code.PERMISSION_DENIED)) return [];
          throw err;
        },
      );
    describeService(d, svc as Service, slices);
  },
  Endpoints: async (d, endpoints) => describeEndpoints(d, endpoints as Endpoints),
  HorizontalPodAutoscaler: async (d, hpa) =>
    describeHorizontalPodAutoscaler(d, hpa as HorizontalPodAutoscaler),
};

/** The object of that name, or else every object whose name starts with it (kubectl's prefix match). */
async function byNameOrPrefix(
  client: ApiClient,
  info: KindInfo,
  namespace: string,
  name: string,
): Promise<KindObject[]> {
  try {
    return [await client.get(info, namespace, name)];
  } catch (err) {
    if (!isApiError(err, Code.NOT_FOUND)) throw err;
  }
  const list = await client.list(info, namespace, {});
  const matches = list.items.filter((o) => (o.metadata?.name ?? '').startsWith(name));
  if (matches.length === 0)
    throw new Error(`Error from server (NotFound): ${kindLabel(info)}s "${name}" not found`);
  return matches;
}
