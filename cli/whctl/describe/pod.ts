/** `describe pod`: in kubectl's order — where it runs, its state, each container, conditions. */
import type { Container } from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import type { ContainerState, ContainerStatus, Pod } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import { qosClassOf } from '../../../sdk/resources/qos.js';
import { controlledBy, describeAnnotations, describeQuantities, timestamp } from './common.js';
import type { Description } from './description.js';

export function describePod(d: Description, pod: Pod): void {
  const spec = pod.spec;
  const status = pod.status;
  d.item(0, 'Name', pod.metadata?.name ?? '');
  d.item(0, 'Namespace', pod.metadata?.namespace ?? '');
  d.item(0, 'Priority', String(spec?.priority ?? 0));
  if (spec?.priorityClassName) d.item(0, 'Priority Class Name', spec.priorityClassName);
  d.item(0, 'Service Account', spec?.serviceAccountName ?? '');
  d.item(0, 'Node', spec?.nodeName ? `${spec.nodeName}/${status?.hostIp ?? ''}` : '');
  if (status?.startTime) d.item(0, 'Start Time', timestamp(status.startTime));
  describeMetaRest(d, pod);
  if (pod.metadata?.deletionTimestamp)
    d.item(0, 'Status', `Terminating (lasts ${pod.metadata.deletionGracePeriodSeconds ?? '0'}s)`);
  else d.item(0, 'Status', status?.phase ?? '');
  if (status?.reason) d.item(0, 'Reason', status.reason);
  if (status?.message) d.item(0, 'Message', status.message);
  d.item(0, 'IP', status?.podIp ?? '');
  const ips = status?.podIps ?? [];
  if (ips.length > 0) {
    d.heading(0, 'IPs');
    for (const ip of ips) d.item(1, 'IP', ip.ip);
  } else {
    d.item(0, 'IPs', '');
  }
  const owner = controlledBy(pod.metadata);
  if (owner) d.item(0, 'Controlled By', owner);
  if ((spec?.initContainers ?? []).length > 0) {
    d.heading(0, 'Init Containers');
    for (const c of spec?.initContainers ?? [])
      describeContainer(
        d,
        c,
        status?.initContainerStatuses.find((s) => s.name === c.name),
      );
  }
  d.heading(0, 'Containers');
  for (const c of spec?.containers ?? [])
    describeContainer(
      d,
      c,
      status?.containerStatuses.find((s) => s.name === c.name),
    );
  const conditions = status?.conditions ?? [];
  if (conditions.length > 0) {
    d.heading(0, 'Conditions');
    const width = Math.max(4, ...conditions.map((c) => c.type.length)) + 2;
    d.text(1, `${'Type'.padEnd(width)}Status`);
    for (const c of conditions) d.text(1, `${c.type.padEnd(width)}${c.status}`);
  }
  const volumes = spec?.volumes ?? [];
  if (volumes.length > 0) {
    d.heading(0, 'Volumes');
    for (const v of volumes) {
      d.heading(1, v.name);
      const source = Object.entries(v).find(([k, val]) => k !== 'name' && val !== undefined);
      d.item(2, 'Type', source ? `${source[0]}` : '');
    }
  } else {
    d.item(0, 'Volumes', '');
  }
  d.item(0, 'QoS Class', pod.status?.qosClass || qosClassOf(pod.spec));
  d.map(0, 'Node-Selectors', spec?.nodeSelector);
  const tolerations = (spec?.tolerations ?? []).map((t) => {
    const kv = t.operator === 'Exists' ? t.key : `${t.key}=${t.value}`;
    const effect = t.effect ? `:${t.effect}` : '';
    const op = t.operator === 'Exists' && t.key ? ' op=Exists' : '';
    const seconds = t.tolerationSeconds !== undefined ? ` for ${t.tolerationSeconds}s` : '';
    return `${kv}${effect}${op}${seconds}`;
  });
  d.values(0, 'Tolerations', tolerations);
}

/** Labels and annotations come after the node and start time for pods, as in kubectl. */
function describeMetaRest(d: Description, pod: Pod): void {
  const meta = pod.metadata;
  d.map(0, 'Labels', meta?.labels);
  describeAnnotations(d, meta?.annotations);
}

function describeContainer(d: Description, c: Container, status: ContainerStatus | undefined): void {
  d.heading(1, c.name);
  d.item(2, 'Container ID', status?.containerId ?? '');
  d.item(2, 'Image', c.image);
  d.item(2, 'Image ID', status?.imageId ?? '');
  const ports = c.ports.map((p) => `${p.containerPort}/${p.protocol || 'TCP'}`);
  d.item(2, 'Port', ports.join(', '));
  const hostPorts = c.ports.map((p) => `${p.hostPort}/${p.protocol || 'TCP'}`);
  d.item(2, 'Host Port', hostPorts.join(', '));
  if (c.command.length > 0) {
    d.heading(2, 'Command');
    for (const part of c.command) d.text(3, part);
  }
  if (c.args.length > 0) {
    d.heading(2, 'Args');
    for (const part of c.args) d.text(3, part);
  }
  describeState(d, 'State', status?.state);
  if (
    status?.lastState &&
    (status.lastState.terminated || status.lastState.waiting || status.lastState.running)
  )
    describeState(d, 'Last State', status.lastState);
  d.item(2, 'Ready', status?.ready ? 'True' : 'False');
  d.item(2, 'Restart Count', String(status?.restartCount ?? 0));
  describeQuantities(d, 2, 'Limits', c.resources?.limits);
  describeQuantities(d, 2, 'Requests', c.resources?.requests);
  for (const [label, probe] of [
    ['Liveness', c.livenessProbe],
    ['Readiness', c.readinessProbe],
    ['Startup', c.startupProbe],
  ] as const) {
    if (!probe) continue;
    const how = probe.exec
      ? `exec [${probe.exec.command.join(' ')}]`
      : probe.httpGet
        ? `http-get ${probe.httpGet.scheme === 'HTTPS' ? 'https' : 'http'}://${probe.httpGet.host}:${probe.httpGet.port}${probe.httpGet.path}`
        : probe.tcpSocket
          ? `tcp-socket ${probe.tcpSocket.host}:${probe.tcpSocket.port}`
          : 'unknown';
    d.item(
      2,
      label,
      `${how} delay=${probe.initialDelaySeconds}s timeout=${probe.timeoutSeconds}s period=${probe.periodSeconds}s #success=${probe.successThreshold} #failure=${probe.failureThreshold}`,
    );
  }
  if (c.env.length > 0) {
    d.heading(2, 'Environment');
    for (const e of c.env) {
      const from = e.valueFrom;
      const value = from?.fieldRef
        ? ` (${from.fieldRef.apiVersion || 'v1'}:${from.fieldRef.fieldPath})`
        : from?.secretKeyRef
          ? `<set to the key '${from.secretKeyRef.key}' in secret '${from.secretKeyRef.name}'>`
          : from?.configMapKeyRef
            ? `<set to the key '${from.configMapKeyRef.key}' of config map '${from.configMapKeyRef.name}'>`
            : from?.resourceFieldRef
              ? `${from.resourceFieldRef.resource}`
              : e.value;
      d.item(3, e.name, value);
    }
  } else {
    d.item(2, 'Environment', '');
  }
  if (c.volumeMounts.length > 0) {
    d.heading(2, 'Mounts');
    for (const m of c.volumeMounts)
      d.text(
        3,
        `${m.mountPath} from ${m.name} (${m.readOnly ? 'ro' : 'rw'}${m.subPath ? `,path="${m.subPath}"` : ''})`,
      );
  } else {
    d.item(2, 'Mounts', '');
  }
}

function describeState(d: Description, label: string, state: ContainerState | undefined): void {
  if (state?.running) {
    d.item(2, label, 'Running');
    d.item(3, 'Started', timestamp(state.running.startedAt));
  } else if (state?.terminated) {
    const t = state.terminated;
    d.item(2, label, 'Terminated');
    d.item(3, 'Reason', t.reason);
    if (t.message) d.item(3, 'Message', t.message);
    d.item(3, 'Exit Code', String(t.exitCode));
    if (t.signal) d.item(3, 'Signal', String(t.signal));
    d.item(3, 'Started', timestamp(t.startedAt));
    d.item(3, 'Finished', timestamp(t.finishedAt));
  } else if (state?.waiting) {
    d.item(2, label, 'Waiting');
    d.item(3, 'Reason', state.waiting.reason);
    if (state.waiting.message) d.item(3, 'Message', state.waiting.message);
  } else {
    d.item(2, label, 'Waiting');
  }
}
