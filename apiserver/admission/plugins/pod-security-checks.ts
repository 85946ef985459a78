/**
 * The Pod Security Standards as data: each check has Kubernetes' ID, the level that
 * introduces it, the title printed in refusals and a function that describes what
 * violates it (undefined when nothing does). A level applies its own checks and those
 * of the levels below, except where a stricter check replaces a looser one (`replaces`).
 */
import type { Container } from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import type { PodSpec } from '../../../sdk/gen/wheelhouse/core/v1/pod.js';
import type { SecurityContext } from '../../../sdk/gen/wheelhouse/core/v1/security_context.js';

export type Level = 'privileged' | 'baseline' | 'restricted';

export interface PodSecurityCheck {
  readonly id: string;
  readonly level: Exclude<Level, 'privileged'>;
  readonly title: string;
  /** The ID of the looser check this one stands in for at its level. */
  readonly replaces?: string;
  describe(spec: PodSpec): string | undefined;
}

/** Capabilities a baseline container may add: the container runtimes' defaults. */
const baselineCapabilities = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);

/** Sysctls that are namespaced and cannot affect other pods or the node. */
const safeSysctls = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);

const allowedSeLinuxTypes = new Set([
  '',
  'container_t',
  'container_init_t',
  'container_kvm_t',
  'container_engine_t',
]);

/** Volume types a restricted pod may use (hostPath and nfs are not among them). */
const restrictedVolumeTypes = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

function quoted(items: readonly string[]): string {
  return items.map((s) => `"${s}"`).join(', ');
}

/** `container "a"` or `containers "a", "b"`, with the verb agreeing: `uses`/`use`. */
function subject(noun: string, names: readonly string[]): string {
  return `${noun}${names.length > 1 ? 's' : ''} ${quoted(names)}`;
}

function verb(names: readonly string[], one: string, many: string): string {
  return names.length > 1 ? many : one;
}

function containers(spec: PodSpec): Container[] {
  return [...spec.initContainers, ...spec.containers];
}

/** Names of the containers for which `pred` holds. */
function which(spec: PodSpec, pred: (sc: SecurityContext | undefined, c: Container) => boolean): string[] {
  return containers(spec)
    .filter((c) => pred(c.securityContext, c))
    .map((c) => c.name);
}

export const podSecurityChecks: readonly PodSecurityCheck[] = [
  {
    id: 'allowPrivilegeEscalation',
    level: 'restricted',
    title: 'allowPrivilegeEscalation != false',
    describe(spec) {
      const bad = which(spec, (sc) => sc?.allowPrivilegeEscalation !== false);
      if (bad.length === 0) return undefined;
      return `${subject('container', bad)} must set securityContext.allowPrivilegeEscalation=false`;
    },
  },
  {
    id: 'appArmorProfile',
    level: 'baseline',
    title: 'forbidden AppArmor profile',
    describe(spec) {
      const parts: string[] = [];
      if (spec.securityContext?.appArmorProfile?.type === 'Unconfined') {
        parts.push('pod must not set securityContext.appArmorProfile.type to "Unconfined"');
      }
      const bad = which(spec, (sc) => sc?.appArmorProfile?.type === 'Unconfined');
      if (bad.length > 0) {
        parts.push(
          `${subject('container', bad)} must not set securityContext.appArmorProfile.type to "Unconfined"`,
        );
      }
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'capabilities_baseline',
    level: 'baseline',
    title: 'non-default capabilities',
    describe(spec) {
      const bad = new Map<string, string[]>();
      for (const c of containers(spec)) {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter(
          (cap) => !baselineCapabilities.has(cap),
        );
        if (extra.length > 0) bad.set(c.name, extra);
      }
      if (bad.size === 0) return undefined;
      const names = [...bad.keys()];
      const caps = [...new Set([...bad.values()].flat())].sort();
      return `${subject('container', names)} must not include ${quoted(caps)} in securityContext.capabilities.add`;
    },
  },
  {
    id: 'capabilities_restricted',
    level: 'restricted',
    title: 'unrestricted capabilities',
    describe(spec) {
      const parts: string[] = [];
      const noDrop = which(spec, (sc) => !(sc?.capabilities?.drop ?? []).includes('ALL'));
      if (noDrop.length > 0)
        parts.push(`${subject('container', noDrop)} must set securityContext.capabilities.drop=["ALL"]`);
      const bad = new Map<string, string[]>();
      for (const c of containers(spec)) {
        const extra = (c.securityContext?.capabilities?.add ?? []).filter(
          (cap) => cap !== 'NET_BIND_SERVICE',
        );
        if (extra.length > 0) bad.set(c.name, extra);
      }
      if (bad.size > 0) {
        const caps = [...new Set([...bad.values()].flat())].sort();
        parts.push(
          `${subject('container', [...bad.keys()])} must not include ${quoted(caps)} in securityContext.capabilities.add`,
        );
      }
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'hostNamespaces',
    level: 'baseline',
    title: 'host namespaces',
    describe(spec) {
      const set = [
        spec.hostNetwork && 'hostNetwork=true',
        spec.hostPid && 'hostPID=true',
        spec.hostIpc && 'hostIPC=true',
      ].filter((s): s is string => typeof s === 'string');
      return set.length > 0 ? set.join(', ') : undefined;
    },
  },
  {
    id: 'hostPathVolumes',
    level: 'baseline',
    title: 'hostPath volumes',
    describe(spec) {
      const bad = spec.volumes.filter((v) => v.hostPath !== undefined).map((v) => v.name);
      if (bad.length === 0) return undefined;
      return `${subject('volume', bad)} ${verb(bad, 'uses', 'use')} hostPath`;
    },
  },
  {
    id: 'hostPorts',
    level: 'baseline',
    title: 'hostPort',
    describe(spec) {
      const names: string[] = [];
      const ports: number[] = [];
      for (const c of containers(spec)) {
        const used = c.ports.filter((p) => p.hostPort !== 0).map((p) => p.hostPort);
        if (used.length === 0) continue;
        names.push(c.name);
        ports.push(...used);
      }
      if (names.length === 0) return undefined;
      const unique = [...new Set(ports)];
      return `${subject('container', names)} ${verb(names, 'uses', 'use')} ${unique.length > 1 ? 'hostPorts' : 'hostPort'} ${unique.join(', ')}`;
    },
  },
  {
    id: 'privileged',
    level: 'baseline',
    title: 'privileged',
    describe(spec) {
      const bad = which(spec, (sc) => sc?.privileged === true);
      if (bad.length === 0) return undefined;
      return `${subject('container', bad)} must not set securityContext.privileged=true`;
    },
  },
  {
    id: 'procMount',
    level: 'baseline',
    title: 'procMount',
    describe(spec) {
      const bad = which(spec, (sc) => (sc?.procMount ?? '') !== '' && sc?.procMount !== 'Default');
      if (bad.length === 0) return undefined;
      return `${subject('container', bad)} must not set securityContext.procMount to "Unmasked"`;
    },
  },
  {
    id: 'restrictedVolumes',
    level: 'restricted',
    title: 'restricted volume types',
    replaces: 'hostPathVolumes',
    describe(spec) {
      const bad: string[] = [];
      const types = new Set<string>();
      for (const v of spec.volumes) {
        const used = Object.entries(v)
          .filter(([k, val]) => k !== 'name' && val !== undefined)
          .map(([k]) => k);
        const forbidden = used.filter((t) => !restrictedVolumeTypes.has(t));
        if (forbidden.length === 0) continue;
        bad.push(v.name);
        for (const t of forbidden) types.add(t);
      }
      if (bad.length === 0) return undefined;
      const list = [...types].sort();
      return `${subject('volume', bad)} ${verb(bad, 'uses', 'use')} restricted volume ${list.length > 1 ? 'types' : 'type'} ${quoted(list)}`;
    },
  },
  {
    id: 'runAsNonRoot',
    level: 'restricted',
    title: 'runAsNonRoot != true',
    describe(spec) {
      const podValue = spec.securityContext?.runAsNonRoot;
      const parts: string[] = [];
      if (podValue === false) parts.push('pod must not set securityContext.runAsNonRoot=false');
      const explicitFalse = which(spec, (sc) => sc?.runAsNonRoot === false);
      if (explicitFalse.length > 0) {
        parts.push(`${subject('container', explicitFalse)} must not set securityContext.runAsNonRoot=false`);
      }
      if (podValue !== true) {
        const unset = which(spec, (sc) => sc?.runAsNonRoot === undefined);
        if (unset.length > 0) {
          parts.push(`pod or ${subject('container', unset)} must set securityContext.runAsNonRoot=true`);
        }
      }
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'runAsUser',
    level: 'restricted',
    title: 'runAsUser=0',
    describe(spec) {
      const parts: string[] = [];
      if (spec.securityContext?.runAsUser === '0') parts.push('pod must not set runAsUser=0');
      const bad = which(spec, (sc) => sc?.runAsUser === '0');
      if (bad.length > 0) parts.push(`${subject('container', bad)} must not set runAsUser=0`);
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'seLinuxOptions',
    level: 'baseline',
    title: 'seLinuxOptions',
    describe(spec) {
      const problems = (opts: SecurityContext['seLinuxOptions']): string[] => {
        if (!opts) return [];
        const out: string[] = [];
        if (!allowedSeLinuxTypes.has(opts.type)) out.push(`type "${opts.type}"`);
        if (opts.user !== '') out.push(`user "${opts.user}"`);
        if (opts.role !== '') out.push(`role "${opts.role}"`);
        return out;
      };
      const parts: string[] = [];
      const pod = problems(spec.securityContext?.seLinuxOptions);
      if (pod.length > 0) parts.push(`pod set forbidden securityContext.seLinuxOptions: ${pod.join('; ')}`);
      const bad = which(spec, (sc) => problems(sc?.seLinuxOptions).length > 0);
      if (bad.length > 0)
        parts.push(`${subject('container', bad)} set forbidden securityContext.seLinuxOptions`);
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'seccompProfile_baseline',
    level: 'baseline',
    title: 'seccompProfile',
    describe(spec) {
      const parts: string[] = [];
      if (spec.securityContext?.seccompProfile?.type === 'Unconfined') {
        parts.push('pod must not set securityContext.seccompProfile.type to "Unconfined"');
      }
      const bad = which(spec, (sc) => sc?.seccompProfile?.type === 'Unconfined');
      if (bad.length > 0) {
        parts.push(
          `${subject('container', bad)} must not set securityContext.seccompProfile.type to "Unconfined"`,
        );
      }
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'seccompProfile_restricted',
    level: 'restricted',
    title: 'seccompProfile',
    replaces: 'seccompProfile_baseline',
    describe(spec) {
      const valid = (t: string | undefined) => t === 'RuntimeDefault' || t === 'Localhost';
      const podType = spec.securityContext?.seccompProfile?.type;
      const parts: string[] = [];
      if (podType !== undefined && !valid(podType)) {
        parts.push(`pod must not set securityContext.seccompProfile.type to "${podType}"`);
      }
      const explicit = which(
        spec,
        (sc) => sc?.seccompProfile !== undefined && !valid(sc.seccompProfile.type),
      );
      if (explicit.length > 0) {
        parts.push(
          `${subject('container', explicit)} must not set securityContext.seccompProfile.type to "Unconfined"`,
        );
      }
      if (!valid(podType)) {
        const unset = which(spec, (sc) => sc?.seccompProfile === undefined);
        if (unset.length > 0) {
          parts.push(
            `pod or ${subject('container', unset)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`,
          );
        }
      }
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
  {
    id: 'sysctls',
    level: 'baseline',
    title: 'forbidden sysctls',
    describe(spec) {
      const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !safeSysctls.has(n));
      return bad.length > 0 ? bad.join(', ') : undefined;
    },
  },
  {
    id: 'windowsHostProcess',
    level: 'baseline',
    title: 'hostProcess',
    describe(spec) {
      const parts: string[] = [];
      if (spec.securityContext?.windowsOptions?.hostProcess === true) {
        parts.push('pod must not set securityContext.windowsOptions.hostProcess=true');
      }
      const bad = which(spec, (sc) => sc?.windowsOptions?.hostProcess === true);
      if (bad.length > 0)
        parts.push(
          `${subject('container', bad)} must not set securityContext.windowsOptions.hostProcess=true`,
        );
      return parts.length > 0 ? parts.join('; ') : undefined;
    },
  },
];

/** The checks a level applies, in Kubernetes' order (by ID). */
export function checksFor(level: Level): PodSecurityCheck[] {
  if (level === 'privileged') return [];
  const applicable = podSecurityChecks.filter((c) => level === 'restricted' || c.level === 'baseline');
  const replaced = new Set(applicable.map((c) => c.replaces).filter((id): id is string => id !== undefined));
  return applicable
    .filter((c) => !replaced.has(c.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

/** Every violation of a level by a pod spec: `privileged (container "a" must not ...)`. */
export function podSecurityViolations(level: Level, spec: PodSpec): string[] {
  const out: string[] = [];
  for (const check of checksFor(level)) {
    const detail = check.describe(spec);
    if (detail !== undefined) out.push(`${check.title} (${detail})`);
  }
  return out;
}
