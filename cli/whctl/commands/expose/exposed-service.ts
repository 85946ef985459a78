/**
 * The Service `whctl expose` creates for an object, as kubectl's expose builds it: the
 * object's pod selector (or --selector), its ports (or --port), each forwarded to the same
 * number on the pods (or --target-port), and the object's labels (or --labels).
 */
import type { KindObject } from '../../../../sdk/kind-registry.js';
import type { JsonObject } from '../../../../sdk/manifest/decode.js';
import { UsageError } from '../../usage-error.js';
import type { Exposable } from './exposable.js';

/** The flags of `expose` that shape the Service; each unset one is read from the object or left out. */
export interface ExposeOptions {
  readonly name?: string;
  readonly selector?: string;
  readonly labels?: string;
  /** One port, or several comma-separated. */
  readonly port?: string;
  readonly targetPort?: string;
  readonly protocol?: string;
  readonly type?: string;
  readonly externalIP?: string;
  readonly loadBalancerIP?: string;
  readonly sessionAffinity?: string;
  readonly clusterIP?: string;
}

/** A Service's name is a DNS-1035 label: the object's name is cut to its length. */
const DNS1035_LABEL_MAX_LENGTH = 63;

const SESSION_AFFINITIES = ['None', 'ClientIP'];

/** A port of the Service before its target is set; '' for the name of a lone port. */
interface ServicePort {
  readonly name: string;
  readonly port: number;
  readonly protocol: string;
}

export function exposedService(object: KindObject, exposable: Exposable, options: ExposeOptions): JsonObject {
  const selector = options.selector ? parseLabels(options.selector) : introspectedSelector(exposable);
  const headless = options.clusterIP === 'None';
  const portTexts = options.port ? options.port.split(',') : servedPortNumbers(exposable);
  if (portTexts.length === 0 && !headless)
    throw new Error("couldn't find port via --port flag or introspection");
  const labels = options.labels ? parseLabels(options.labels) : (object.metadata?.labels ?? {});
  const name = options.name || (object.metadata?.name ?? '').slice(0, DNS1035_LABEL_MAX_LENGTH);
  if (name === '') throw new UsageError('name must be specified');

  const target = targetPortOf(options.targetPort);
  const ports = portTexts
    .flatMap((text, i) => servicePorts(text, i, portTexts.length, exposable, options))
    .map(({ name: portName, port, protocol }) => ({
      ...(portName !== '' ? { name: portName } : {}),
      port,
      protocol,
      targetPort: target ?? port,
    }));

  const type = options.type ?? '';
  const affinity = options.sessionAffinity ?? '';
  if (affinity !== '' && !SESSION_AFFINITIES.includes(affinity))
    throw new UsageError(`unknown session affinity: ${affinity}`);
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, ...(Object.keys(labels).length > 0 ? { labels } : {}) },
    spec: {
      selector,
      ...(ports.length > 0 ? { ports } : {}),
      ...(type !== '' ? { type } : {}),
      ...(options.externalIP ? { externalIPs: [options.externalIP] } : {}),
      ...(type === 'LoadBalancer' && options.loadBalancerIP
        ? { loadBalancerIP: options.loadBalancerIP }
        : {}),
      ...(affinity !== '' ? { sessionAffinity: affinity } : {}),
      ...(options.clusterIP ? { clusterIP: options.clusterIP } : {}),
    },
  };
}

function introspectedSelector(exposable: Exposable): Record<string, string> {
  try {
    return exposable.podSelector();
  } catch (err) {
    throw new Error(
      `couldn't retrieve selectors via --selector flag or introspection: ${(err as Error).message}`,
    );
  }
}

/** The port numbers the object serves, each once, in order. */
function servedPortNumbers(exposable: Exposable): string[] {
  return [...new Set(exposable.ports.map((p) => String(p.port)))];
}

/**
 * The Service port(s) for one port number: named `port-N` when there are several, with
 * --protocol, else the protocol the object serves it with — or one port a protocol,
 * `port-N-udp`, when it serves it with several — else TCP.
 */
function servicePorts(
  text: string,
  i: number,
  count: number,
  exposable: Exposable,
  options: ExposeOptions,
): ServicePort[] {
  if (!/^[+-]?\d+$/.test(text)) throw new UsageError(`invalid port "${text}": not a whole number`);
  const port = Number(text);
  const name = count > 1 ? `port-${i + 1}` : '';
  if (options.protocol) return [{ name, port, protocol: options.protocol }];
  const served = [...new Set(exposable.ports.filter((p) => p.port === port).map((p) => p.protocol))];
  if (served.length <= 1) return [{ name, port, protocol: served[0] ?? 'TCP' }];
  return served.map((protocol) => ({ name: `port-${i + 1}-${protocol.toLowerCase()}`, port, protocol }));
}

/** --target-port: a number, or the name of a container port (intstr.Parse). */
function targetPortOf(text: string | undefined): number | string | undefined {
  if (text === undefined || text === '') return undefined;
  return /^[+-]?\d+$/.test(text) ? Number(text) : text;
}

/** `a=1,b=2` as kubectl's expose reads --selector and --labels: equality only, no spaces. */
function parseLabels(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const spec of text.split(',')) {
    const parts = spec.split('=');
    if (parts.length !== 2) throw new UsageError(`unexpected label spec: ${spec}`);
    const [key = '', value = ''] = parts;
    if (key === '') throw new UsageError('unexpected empty label key');
    labels[key] = value;
  }
  return labels;
}
