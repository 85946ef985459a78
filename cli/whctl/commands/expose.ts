/**
 * `whctl expose (deployment|replicaset|pod|service) NAME [--port=P] ...`: a Service in
 * front of the pods the object runs or selects, as `kubectl expose` makes it. The object
 * is read from the apiserver, the Service built from it and the flags
 * (expose/exposed-service.ts), then created like `create`'s generators create theirs.
 */
import { loadKindTypes } from '../../../sdk/kind-loader.js';
import { decodeObject } from '../../../sdk/manifest/decode.js';
import type { Command } from '../command.js';
import { commonFlags, dryRunOf, parseFlags } from '../flags.js';
import { withLastApplied } from '../last-applied.js';
import { DEFAULT_NAMESPACE, placeObject } from '../namespaces.js';
import { objectOutputOf, renderChanged } from '../object-output.js';
import { parseResourceArgs, resolveKind } from '../resources.js';
import { UsageError } from '../usage-error.js';
import { dryRunSuffix } from './apply.js';
import { checkExposable, exposableOf } from './expose/exposable.js';
import { exposedService } from './expose/exposed-service.js';

const flags = {
  ...commonFlags,
  port: { type: 'string' },
  'target-port': { type: 'string' },
  protocol: { type: 'string' },
  name: { type: 'string' },
  type: { type: 'string' },
  selector: { type: 'string' },
  labels: { type: 'string', short: 'l' },
  'external-ip': { type: 'string' },
  'load-balancer-ip': { type: 'string' },
  'session-affinity': { type: 'string' },
  'cluster-ip': { type: 'string' },
  'dry-run': { type: 'string' },
  output: { type: 'string', short: 'o' },
  'save-config': { type: 'boolean' },
} as const;

export const exposeCommand: Command = {
  summary: 'Expose a deployment, replica set, pod or service as a new service',
  help: `Expose a resource as a new service: the pods it runs or selects, behind one address.

Looks up a deployment, replica set, pod or service by name and makes its pod selector
the new Service's selector. A deployment or replica set can be exposed only when its
selector is matchLabels alone (a Service selects by equality); a pod by its labels. With
no --port, every port of the object's containers (a service's ports) is exposed. With no
--labels, the Service takes the object's labels.

Usage:
  whctl expose TYPE NAME [--port=PORT] [--target-port=PORT|NAME] [--name=NAME] [--type=TYPE] [flags]
  whctl expose TYPE/NAME [flags]

Examples:
  whctl expose deployment web --port=80 --target-port=8080
  whctl expose pod debug --port=444 --name=frontend
  whctl expose service web --port=443 --target-port=8443 --name=web-https
  whctl expose rs web --port=80 --type=NodePort

Flags:
      --port PORT[,PORT]        the port(s) the service serves on (default: the object's ports)
      --target-port PORT|NAME   the pods' port it sends traffic to (default: the same number)
      --protocol PROTOCOL       TCP (default), UDP or SCTP
      --name NAME               the service's name (default: the object's)
      --type TYPE               ClusterIP (default), NodePort, LoadBalancer or ExternalName
      --selector K=V,...        the pods to select (default: the object's selector)
  -l, --labels K=V,...          the service's labels (default: the object's)
      --external-ip IP          an external IP the service also accepts traffic on
      --load-balancer-ip IP     the IP asked of a LoadBalancer service's load balancer
      --session-affinity AFF    None or ClientIP
      --cluster-ip IP           the service's IP, or None for a headless service
  -n, --namespace NS            namespace (default "default")
      --dry-run[=MODE]          server (default when given) or client: print, create nothing
  -o, --output FORMAT           name, yaml or json: print the service instead of "exposed"
      --save-config             record the service as the last-applied configuration, for apply
      --config FILE             client config file
`,
  async run(args, ctx) {
    const { values, positionals } = parseFlags(args, flags);
    const requests = parseResourceArgs(positionals);
    const [request] = requests;
    if (!request || requests.length > 1 || request.names.length !== 1)
      throw new UsageError('exactly one object is required: TYPE NAME or TYPE/NAME');
    const { info } = request;
    const name = request.names[0] as string;
    checkExposable(info);
    const dryRun = dryRunOf(values['dry-run']);
    const output = objectOutputOf(values.output);
    const namespace = values.namespace ?? DEFAULT_NAMESPACE;
    const client = ctx.client(values.config);

    const object = await client.get(info, namespace, name);
    let manifest = exposedService(object, exposableOf(info, object), {
      name: values.name,
      selector: values.selector,
      labels: values.labels,
      port: values.port,
      targetPort: values['target-port'],
      protocol: values.protocol,
      type: values.type,
      externalIP: values['external-ip'],
      loadBalancerIP: values['load-balancer-ip'],
      sessionAffinity: values['session-affinity'],
      clusterIP: values['cluster-ip'],
    });
    if (values['save-config']) manifest = withLastApplied(manifest);
    const serviceInfo = resolveKind('services');
    await loadKindTypes(serviceInfo);
    const service = decodeObject(serviceInfo, manifest);
    placeObject(serviceInfo, service, namespace);
    const created =
      dryRun === 'client'
        ? service
        : await client.create(serviceInfo, service, { dryRun: dryRun === 'server' });
    ctx.io.write(renderChanged(output, serviceInfo, created, `exposed${dryRunSuffix(dryRun)}`, true));
    return 0;
  },
};
