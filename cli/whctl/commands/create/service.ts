/**
 * `whctl create service clusterip|nodeport|loadbalancer|externalname NAME ...`: kubectl's
 * service generators. The Service selects pods labelled app=NAME and carries that label
 * itself; each `--tcp=PORT[:TARGET]` is a TCP port named `PORT-TARGET` (kubectl's names,
 * which scripts look ports up by).
 */

import { isDns1123Subdomain } from '../../../../sdk/labels/index.js';
import { isValidPortName } from '../../../../sdk/labels/validation.js';
import type { JsonObject } from '../../../../sdk/manifest/decode.js';
import type { Command } from '../../command.js';
import { UsageError } from '../../usage-error.js';
import { type FlagValues, type Generator, generatorCommand, intOf, listOf, stringOf } from './generator.js';

type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

const TCP_HELP = `      --tcp PORT[:TARGET]     a TCP port and the pods' port it forwards to, a number or a
                              container port's name (default: the same number); repeatable,
                              or comma-separated
`;

/** `80`, `80:8080`, `443:https`: the Service port and its target, kubectl's parsePorts. */
function parsePort(spec: string): { port: number; targetPort: number | string } {
  const [portText = '', target, ...extra] = spec.split(':');
  // kubectl takes 0 here (the apiserver refuses it); an unsigned 16-bit number.
  if (!/^\d+$/.test(portText) || Number(portText) > 65535 || extra.length > 0)
    throw new UsageError(`invalid --tcp "${spec}": the port must be a number from 0 to 65535`);
  const port = Number(portText);
  if (target === undefined) return { port, targetPort: port };
  // A number is a port number; anything else names a container port.
  const numeric = /^[+-]?\d+$/.test(target);
  const errors = numeric ? portNumberErrors(Number(target)) : isValidPortName(target);
  if (errors.length > 0) throw new UsageError(`invalid --tcp "${spec}": ${errors.join(',')}`);
  return { port, targetPort: numeric ? Number(target) : target };
}

function portNumberErrors(port: number): string[] {
  return port >= 1 && port <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

function serviceManifest(type: ServiceType, name: string, values: FlagValues): JsonObject {
  const tcp = listOf(values.tcp).flatMap((t) => t.split(',').filter((s) => s !== ''));
  const clusterIP = stringOf(values.clusterip) ?? '';
  // A headless Service needs no port: it names its pods' addresses, not a virtual one.
  if (clusterIP !== 'None' && tcp.length === 0 && type !== 'ExternalName')
    throw new UsageError('at least one tcp port specifier must be provided');
  const nodePort = intOf(values['node-port'], 'node-port') ?? 0;
  const ports = tcp.map((spec) => ({
    name: spec.replaceAll(':', '-'),
    protocol: 'TCP',
    ...parsePort(spec),
    ...(nodePort !== 0 ? { nodePort } : {}),
  }));
  const externalName = stringOf(values['external-name']) ?? '';
  const labels = { app: name };
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, labels },
    spec: {
      type,
      selector: labels,
      ...(ports.length > 0 ? { ports } : {}),
      ...(externalName !== '' ? { externalName } : {}),
      ...(clusterIP !== '' ? { clusterIP } : {}),
    },
  };
}

const tcpFlag = { tcp: { type: 'string', multiple: true } } as const;

const clusterIP: Generator = {
  kind: 'Service',
  summary: 'Create a ClusterIP service',
  usage: `Usage:
  whctl create service clusterip NAME [--tcp=PORT[:TARGET]]... [--clusterip=IP|None]

Flags:
${TCP_HELP}      --clusterip IP          the Service's IP, or None for a headless Service (no
                              virtual IP: its name resolves to the pods' addresses)
`,
  flags: { ...tcpFlag, clusterip: { type: 'string' } },
  build: ({ name, values }) => serviceManifest('ClusterIP', name, values),
};

const nodePort: Generator = {
  kind: 'Service',
  summary: 'Create a NodePort service',
  usage: `Usage:
  whctl create service nodeport NAME --tcp=PORT[:TARGET]... [--node-port=N]

Flags:
${TCP_HELP}      --node-port N           the port on every node (default: allocated from the range)
`,
  flags: { ...tcpFlag, 'node-port': { type: 'string' } },
  build: ({ name, values }) => serviceManifest('NodePort', name, values),
};

const loadBalancer: Generator = {
  kind: 'Service',
  summary: 'Create a LoadBalancer service',
  usage: `Usage:
  whctl create service loadbalancer NAME --tcp=PORT[:TARGET]...

Flags:
${TCP_HELP}`,
  flags: tcpFlag,
  build: ({ name, values }) => serviceManifest('LoadBalancer', name, values),
};

const externalName: Generator = {
  kind: 'Service',
  summary: 'Create an ExternalName service',
  usage: `Usage:
  whctl create service externalname NAME --external-name=DNS_NAME [--tcp=PORT[:TARGET]]...

A Service whose name is an alias (a CNAME) of a DNS name outside the cluster.

Flags:
      --external-name NAME    the DNS name the Service stands for
${TCP_HELP}`,
  flags: { ...tcpFlag, 'external-name': { type: 'string' } },
  build({ name, values }) {
    const target = stringOf(values['external-name']);
    if (target === undefined) throw new UsageError('required flag(s) "external-name" not set');
    if (isDns1123Subdomain(target).length > 0)
      throw new UsageError(`invalid service external name ${target}`);
    return serviceManifest('ExternalName', name, values);
  },
};

const forms: Readonly<Record<string, Command>> = {
  clusterip: generatorCommand(clusterIP),
  nodeport: generatorCommand(nodePort),
  loadbalancer: generatorCommand(loadBalancer),
  externalname: generatorCommand(externalName),
};

export const createServiceCommand: Command = {
  summary: 'Create a service (clusterip, nodeport, loadbalancer or externalname)',
  help: `Create a service.

Usage:
  whctl create service clusterip NAME [--tcp=PORT[:TARGET]]... [--clusterip=IP|None]
  whctl create service nodeport NAME --tcp=PORT[:TARGET]... [--node-port=N]
  whctl create service loadbalancer NAME --tcp=PORT[:TARGET]...
  whctl create service externalname NAME --external-name=DNS_NAME [--tcp=PORT[:TARGET]]...

Examples:
  whctl create service clusterip web --tcp=80:8080     # port 80-8080, to the pods' 8080
  whctl create service clusterip db --clusterip=None   # headless
  whctl create service nodeport web --tcp=80:http --node-port=30080

Run "whctl create service FORM --help" for a form's flags.
`,
  helpFor(args) {
    const command = args[0] === undefined ? undefined : forms[args[0]];
    return command?.help;
  },
  async run(args, ctx) {
    const [form, ...rest] = args;
    const command = form === undefined ? undefined : forms[form];
    if (!command) {
      if (form === '--help' || form === '-h') {
        ctx.io.write(this.help);
        return 0;
      }
      throw new UsageError(
        `${form === undefined ? 'a form is required' : `unknown form "${form}"`}: create service clusterip|nodeport|loadbalancer|externalname NAME`,
      );
    }
    return command.run(rest, ctx);
  },
};
