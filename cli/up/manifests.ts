/**
 * The control plane as static pods, laid out as kubeadm lays out `/etc/kubernetes/manifests`:
 * one Pod manifest per component in `<data-dir>/manifests/`, in `kube-system`, labelled
 * `tier: control-plane` and `component: <name>`, on the host network, `system-node-critical`,
 * with a liveness probe, and every flag in `command` and `args` — so that what runs is what
 * the file says, and `ps` shows the same. The local node's kubelet runs them
 * (`--pod-manifest-path`) and mirrors them into the API as `<name>-<node>`.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { SHUTDOWN_ORDER_ANNOTATION } from '../../kubelet/config/static-pods.js';
import type { ComponentSpec } from './components.js';

/** The image of every control-plane pod: the process runtime resolves it on the kubelet's PATH. */
export const CONTROL_PLANE_IMAGE = 'wheelhouse';

/** How the kubelet checks that a component is alive: what its endpoint lets a probe ask. */
export type LivenessCheck =
  /** A TCP connection to a gRPC port (the kubelet has no gRPC probe). */
  | { readonly tcpPort: number }
  /** `GET https://<host>:<port>/healthz`, open as in Kubernetes. */
  | { readonly httpsHealthzPort: number };

export interface StaticPodComponent {
  /** The command line (cli/up/components.ts). */
  readonly component: ComponentSpec;
  /** The pod's name (mirrored as `<podName>-<node>`), its container's and its `component` label. */
  readonly podName: string;
  /** The manifest's file name in the manifests directory. */
  readonly file: string;
  readonly liveness: LivenessCheck;
  /** When the kubelet stops it on exit (see SHUTDOWN_ORDER_ANNOTATION): the reverse of its dependencies. */
  readonly shutdownOrder: number;
  /** CPU requested, as kubeadm's manifests request it (the scheduler counts it on the node). */
  readonly cpuRequest: string;
}

export interface ManifestOptions {
  /** The Node executable (absolute: the process runtime runs an absolute `command[0]` as it is). */
  readonly node: string;
  /** bin/wheelhouse.js, absolute. */
  readonly script: string;
  /** The address probes connect to (the components listen there). */
  readonly host: string;
  /** Environment the components get (log level and the like); only what is set. */
  readonly env?: Readonly<Record<string, string>>;
}

/** The Pod manifest of one component, as plain JSON (what the YAML file holds). */
export function staticPodManifest(c: StaticPodComponent, opts: ManifestOptions): Record<string, unknown> {
  const probeAction =
    'tcpPort' in c.liveness
      ? { tcpSocket: { host: opts.host, port: c.liveness.tcpPort } }
      : {
          httpGet: { scheme: 'HTTPS', host: opts.host, port: c.liveness.httpsHealthzPort, path: '/healthz' },
        };
  const env = Object.entries(opts.env ?? {}).map(([name, value]) => ({ name, value }));
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: c.podName,
      namespace: 'kube-system',
      labels: { tier: 'control-plane', component: c.podName },
      annotations: { [SHUTDOWN_ORDER_ANNOTATION]: String(c.shutdownOrder) },
    },
    spec: {
      hostNetwork: true,
      priorityClassName: 'system-node-critical',
      restartPolicy: 'Always',
      containers: [
        {
          name: c.podName,
          image: CONTROL_PLANE_IMAGE,
          imagePullPolicy: 'IfNotPresent',
          command: [opts.node, ...(c.component.nodeFlags ?? []), opts.script],
          args: [...c.component.args],
          ...(env.length > 0 ? { env } : {}),
          resources: { requests: { cpu: c.cpuRequest } },
          // kubeadm's values: a component gets 10 s to come up and ~80 s of failures before a restart.
          livenessProbe: {
            ...probeAction,
            initialDelaySeconds: 10,
            periodSeconds: 10,
            timeoutSeconds: 15,
            failureThreshold: 8,
          },
        },
      ],
    },
  };
}

/**
 * Writes each component's manifest into `dir` and returns the paths. A file is replaced
 * only when its content changes (through a rename, so the kubelet never reads half a file):
 * an unchanged manifest keeps its pod's uid, and a kubelet that restarts adopts it.
 */
export function writeStaticPodManifests(
  dir: string,
  components: readonly StaticPodComponent[],
  opts: ManifestOptions,
): string[] {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  return components.map((c) => {
    const path = join(dir, c.file);
    const text = `# Written by \`wheelhouse up\` at each start; the local kubelet runs it as a static pod.\n${stringify(staticPodManifest(c, opts))}`;
    let old: string | undefined;
    try {
      old = readFileSync(path, 'utf8');
    } catch {
      old = undefined;
    }
    if (old !== text) {
      // A name the kubelet skips (it reads only *.yaml, *.yml and *.json, not dot files).
      const tmp = join(dir, `.${c.file}.tmp`);
      writeFileSync(tmp, text, { mode: 0o600 });
      renameSync(tmp, path);
    }
    return path;
  });
}
