/**
 * A Pod's containers and init containers (pkg/apis/core/validation's
 * validateContainers): names, image, ports, environment, resources, mounts,
 * probes, hooks and security context.
 */
import type {
  Container,
  ContainerPort,
  EnvFromSource,
  EnvVar,
} from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import {
  duplicate,
  type ErrorList,
  forbidden,
  invalid,
  notFound,
  required,
} from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateDnsLabel, validateDnsSubdomain } from '../../validation/names.js';
import { validateLifecycle, validateProbe } from './probe-validation.js';
import { parseQuantityAt, validateResourceRequirements } from './resources.js';
import {
  validateConfigKey,
  validateEnum,
  validateEnvVarName,
  validateLocalDescendingPath,
  validatePortName,
  validatePortNumber,
} from './rules.js';
import { validateSecurityContext } from './security-context-validation.js';

export type ContainerRole = 'container' | 'init';

/** Pod fields an environment variable may read (the downward API). */
const envFieldPaths = [
  'metadata.name',
  'metadata.namespace',
  'metadata.uid',
  'spec.nodeName',
  'spec.serviceAccountName',
  'status.hostIP',
  'status.hostIPs',
  'status.podIP',
  'status.podIPs',
];
const envResources = [
  'limits.cpu',
  'limits.memory',
  'limits.ephemeral-storage',
  'requests.cpu',
  'requests.memory',
  'requests.ephemeral-storage',
];

function validatePorts(ports: readonly ContainerPort[], hostNetwork: boolean, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  ports.forEach((port, i) => {
    const portPath = path.index(i);
    if (port.name !== '') {
      errs.push(...validatePortName(port.name, portPath.child('name')));
      if (names.has(port.name)) errs.push(duplicate(portPath.child('name'), port.name));
      names.add(port.name);
    }
    if (port.containerPort === 0) errs.push(required(portPath.child('containerPort'), ''));
    else errs.push(...validatePortNumber(port.containerPort, portPath.child('containerPort')));
    if (port.hostPort !== 0) errs.push(...validatePortNumber(port.hostPort, portPath.child('hostPort')));
    if (hostNetwork && port.hostPort !== port.containerPort) {
      errs.push(
        invalid(
          portPath.child('hostPort'),
          port.hostPort,
          'must match `containerPort` when `hostNetwork` is true',
        ),
      );
    }
    errs.push(...validateEnum(port.protocol, ['TCP', 'UDP', 'SCTP'], portPath.child('protocol')));
  });
  return errs;
}

function validateEnvVar(env: EnvVar, path: FieldPath): ErrorList {
  const errs = validateEnvVarName(env.name, path.child('name'));
  const from = env.valueFrom;
  if (!from) return errs;
  const fromPath = path.child('valueFrom');
  const sources = (['fieldRef', 'resourceFieldRef', 'configMapKeyRef', 'secretKeyRef'] as const).filter(
    (k) => from[k] !== undefined,
  );
  if (sources.length === 0) {
    errs.push(
      invalid(
        fromPath,
        '',
        'must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`',
      ),
    );
  } else if (sources.length > 1) {
    errs.push(invalid(fromPath, '', 'may not have more than one field specified at a time'));
  }
  if (env.value !== '') errs.push(invalid(fromPath, '', 'may not be specified when `value` is not empty'));
  if (from.fieldRef) {
    const fp = from.fieldRef.fieldPath;
    const fpPath = fromPath.child('fieldRef', 'fieldPath');
    if (fp === '') errs.push(required(fpPath, ''));
    else {
      // metadata.labels['app'] names one label; the bare maps are only for volumes.
      const subscripted = /^metadata\.(labels|annotations)\['.+'\]$/.test(fp);
      if (!subscripted) errs.push(...validateEnum(fp, envFieldPaths, fpPath));
    }
  }
  if (from.resourceFieldRef) {
    const ref = from.resourceFieldRef;
    const refPath = fromPath.child('resourceFieldRef');
    errs.push(...validateEnum(ref.resource, envResources, refPath.child('resource')));
    if (ref.divisor !== '') {
      const q = parseQuantityAt(ref.divisor, refPath.child('divisor'), errs);
      if (q && q.sign() <= 0)
        errs.push(invalid(refPath.child('divisor'), ref.divisor, 'must be greater than 0'));
    }
  }
  for (const key of ['configMapKeyRef', 'secretKeyRef'] as const) {
    const ref = from[key];
    if (!ref) continue;
    if (ref.name === '') errs.push(required(fromPath.child(key, 'name'), ''));
    errs.push(...validateConfigKey(ref.key, fromPath.child(key, 'key')));
  }
  return errs;
}

function validateEnvFrom(source: EnvFromSource, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (source.prefix !== '') errs.push(...validateEnvVarName(source.prefix, path.child('prefix')));
  const set = (['configMapRef', 'secretRef'] as const).filter((k) => source[k] !== undefined);
  if (set.length !== 1) {
    errs.push(invalid(path, '', 'must specify one of: `configMapRef` or `secretRef`'));
  }
  for (const key of set) {
    const name = source[key]?.name ?? '';
    if (name === '') errs.push(required(path.child(key, 'name'), ''));
    else errs.push(...validateDnsSubdomain(name, path.child(key, 'name')));
  }
  return errs;
}

function validateContainer(
  c: Container,
  role: ContainerRole,
  volumes: ReadonlySet<string>,
  hostNetwork: boolean,
  path: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  if (c.image === '') errs.push(required(path.child('image'), ''));
  else if (c.image.trim() !== c.image) {
    errs.push(invalid(path.child('image'), c.image, 'must not have leading or trailing whitespace'));
  }
  errs.push(...validatePorts(c.ports, hostNetwork, path.child('ports')));
  c.env.forEach((env, i) => {
    errs.push(...validateEnvVar(env, path.child('env').index(i)));
  });
  c.envFrom.forEach((src, i) => {
    errs.push(...validateEnvFrom(src, path.child('envFrom').index(i)));
  });
  errs.push(...validateResourceRequirements(c.resources, path.child('resources')));

  const mountPaths = new Set<string>();
  c.volumeMounts.forEach((m, i) => {
    const mPath = path.child('volumeMounts').index(i);
    if (m.name === '') errs.push(required(mPath.child('name'), ''));
    else if (!volumes.has(m.name)) errs.push(notFound(mPath.child('name'), m.name));
    if (m.mountPath === '') errs.push(required(mPath.child('mountPath'), ''));
    else if (mountPaths.has(m.mountPath))
      errs.push(invalid(mPath.child('mountPath'), m.mountPath, 'must be unique'));
    mountPaths.add(m.mountPath);
    if (m.subPath !== '') errs.push(...validateLocalDescendingPath(m.subPath, mPath.child('subPath')));
    if (m.subPath !== '' && m.subPathExpr !== '') {
      errs.push(
        invalid(mPath.child('subPathExpr'), m.subPathExpr, 'subPathExpr and subPath are mutually exclusive'),
      );
    }
    errs.push(
      ...validateEnum(
        m.mountPropagation,
        ['None', 'HostToContainer', 'Bidirectional'],
        mPath.child('mountPropagation'),
        {
          optional: true,
        },
      ),
    );
  });

  // An init container with restartPolicy Always is a sidecar: it keeps running, so it may be probed.
  const sidecar = role === 'init' && c.restartPolicy === 'Always';
  if (role === 'init') {
    errs.push(...validateEnum(c.restartPolicy, ['Always'], path.child('restartPolicy'), { optional: true }));
  } else if (c.restartPolicy !== '') {
    errs.push(forbidden(path.child('restartPolicy'), 'may not be set for non-init containers'));
  }
  const probes = [
    ['livenessProbe', 'liveness'],
    ['readinessProbe', 'readiness'],
    ['startupProbe', 'startup'],
  ] as const;
  for (const [field, kind] of probes) {
    const probe = c[field];
    if (probe && role === 'init' && !sidecar) {
      errs.push(
        forbidden(path.child(field), 'may not be set for init containers without restartPolicy=Always'),
      );
      continue;
    }
    errs.push(...validateProbe(probe, kind, path.child(field)));
  }
  if (c.lifecycle && role === 'init' && !sidecar) {
    errs.push(
      forbidden(path.child('lifecycle'), 'may not be set for init containers without restartPolicy=Always'),
    );
  } else {
    errs.push(...validateLifecycle(c.lifecycle, path.child('lifecycle')));
  }
  errs.push(
    ...validateEnum(
      c.terminationMessagePolicy,
      ['File', 'FallbackToLogsOnError'],
      path.child('terminationMessagePolicy'),
    ),
    ...validateEnum(c.imagePullPolicy, ['Always', 'IfNotPresent', 'Never'], path.child('imagePullPolicy')),
    ...validateSecurityContext(c.securityContext, path.child('securityContext')),
  );
  if (c.stdinOnce && !c.stdin)
    errs.push(forbidden(path.child('stdinOnce'), 'must be false when `stdin` is false'));
  if (c.tty && !c.stdin) errs.push(forbidden(path.child('tty'), 'must be false when `stdin` is false'));
  return errs;
}

/**
 * Validates both lists together: names are unique across init containers and
 * containers (they share the Pod's log and exec namespace).
 */
export function validateContainers(
  initContainers: readonly Container[],
  containers: readonly Container[],
  volumes: ReadonlySet<string>,
  hostNetwork: boolean,
  specPath: FieldPath,
): ErrorList {
  const errs: ErrorList = [];
  const names = new Set<string>();
  const check = (list: readonly Container[], role: ContainerRole, path: FieldPath) => {
    list.forEach((c, i) => {
      const cPath = path.index(i);
      const namePath = cPath.child('name');
      if (c.name === '') errs.push(required(namePath, ''));
      else {
        errs.push(...validateDnsLabel(c.name, namePath));
        if (names.has(c.name)) errs.push(duplicate(namePath, c.name));
        names.add(c.name);
      }
      errs.push(...validateContainer(c, role, volumes, hostNetwork, cPath));
    });
  };
  check(initContainers, 'init', specPath.child('initContainers'));
  if (containers.length === 0) errs.push(required(specPath.child('containers'), ''));
  check(containers, 'container', specPath.child('containers'));
  return errs;
}
