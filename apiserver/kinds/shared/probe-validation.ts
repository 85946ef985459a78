/**
 * Probes and lifecycle hooks: each names exactly one handler, whose fields
 * make sense, and numbers at or above their minimums.
 */
import type {
  HTTPGetAction,
  Lifecycle,
  LifecycleHandler,
  Probe,
  TCPSocketAction,
} from '../../../sdk/gen/wheelhouse/core/v1/container.js';
import type { IntOrString } from '../../../sdk/gen/wheelhouse/meta/v1/meta.js';
import { type ErrorList, forbidden, invalid, required } from '../../validation/field-error.js';
import type { FieldPath } from '../../validation/field-path.js';
import { validateNonNegative } from '../../validation/values.js';
import { parseInt64, validateEnum, validatePortName, validatePortNumber } from './rules.js';

export type ProbeKind = 'liveness' | 'readiness' | 'startup';

/** A port given as a number or as the name of one of the container's ports. */
function validatePortNumOrName(port: IntOrString | undefined, path: FieldPath): ErrorList {
  const value = port?.value;
  if (value === undefined) return [required(path, '')];
  if (value.$case === 'intVal') return validatePortNumber(value.value, path);
  if (value.value === '') return [required(path, '')];
  return validatePortName(value.value, path);
}

function validateHttpGet(action: HTTPGetAction, path: FieldPath): ErrorList {
  const errs: ErrorList = [];
  if (action.path === '') errs.push(required(path.child('path'), ''));
  errs.push(...validatePortNumOrName(action.port, path.child('port')));
  errs.push(...validateEnum(action.scheme, ['HTTP', 'HTTPS'], path.child('scheme')));
  action.httpHeaders.forEach((h, i) => {
    if (!/^[-A-Za-z0-9!#$%&'*+.^_`|~]+$/.test(h.name)) {
      errs.push(
        invalid(
          path.child('httpHeaders').index(i).child('name'),
          h.name,
          "a valid HTTP header must consist of alphanumeric characters or '-'",
        ),
      );
    }
  });
  return errs;
}

function validateTcpSocket(action: TCPSocketAction, path: FieldPath): ErrorList {
  return validatePortNumOrName(action.port, path.child('port'));
}

/** The handlers that are set, by their field name. */
function handlersOf(h: {
  exec?: unknown;
  httpGet?: unknown;
  tcpSocket?: unknown;
  grpc?: unknown;
  sleep?: unknown;
}): string[] {
  return (['exec', 'httpGet', 'tcpSocket', 'grpc', 'sleep'] as const).filter((k) => h[k] !== undefined);
}

/** Exactly one handler: `must specify a handler type`, or `may not specify more than 1 handler type`. */
function validateHandler(h: Probe | LifecycleHandler, path: FieldPath): ErrorList {
  const set = handlersOf(h);
  if (set.length === 0) return [required(path, 'must specify a handler type')];
  const errs: ErrorList = [];
  for (const extra of set.slice(1))
    errs.push(forbidden(path.child(extra), 'may not specify more than 1 handler type'));
  if (h.exec && h.exec.command.length === 0) errs.push(required(path.child('exec', 'command'), ''));
  if (h.httpGet) errs.push(...validateHttpGet(h.httpGet, path.child('httpGet')));
  if (h.tcpSocket) errs.push(...validateTcpSocket(h.tcpSocket, path.child('tcpSocket')));
  if ('grpc' in h && h.grpc) errs.push(...validatePortNumber(h.grpc.port, path.child('grpc', 'port')));
  if ('sleep' in h && h.sleep) {
    const parsed = parseInt64(h.sleep.seconds, path.child('sleep', 'seconds'));
    errs.push(...parsed.errors);
    if (parsed.value !== undefined)
      errs.push(...validateNonNegative(parsed.value, path.child('sleep', 'seconds')));
  }
  return errs;
}

export function validateProbe(probe: Probe | undefined, kind: ProbeKind, path: FieldPath): ErrorList {
  if (!probe) return [];
  const errs = validateHandler(probe, path);
  errs.push(...validateNonNegative(probe.initialDelaySeconds, path.child('initialDelaySeconds')));
  errs.push(...validateNonNegative(probe.timeoutSeconds, path.child('timeoutSeconds')));
  errs.push(...validateNonNegative(probe.periodSeconds, path.child('periodSeconds')));
  errs.push(...validateNonNegative(probe.successThreshold, path.child('successThreshold')));
  errs.push(...validateNonNegative(probe.failureThreshold, path.child('failureThreshold')));
  // Liveness and startup are pass/fail on the first success; more successes would only delay them.
  if (kind !== 'readiness' && probe.successThreshold !== 1) {
    errs.push(invalid(path.child('successThreshold'), probe.successThreshold, 'must be 1'));
  }
  if (probe.terminationGracePeriodSeconds !== undefined) {
    const gracePath = path.child('terminationGracePeriodSeconds');
    if (kind === 'readiness') {
      errs.push(
        invalid(gracePath, probe.terminationGracePeriodSeconds, 'must not be set for readinessProbes'),
      );
    } else {
      const parsed = parseInt64(probe.terminationGracePeriodSeconds, gracePath);
      errs.push(...parsed.errors);
      if (parsed.value !== undefined && parsed.value <= 0n) {
        errs.push(invalid(gracePath, probe.terminationGracePeriodSeconds, 'must be greater than 0'));
      }
    }
  }
  return errs;
}

export function validateLifecycle(lifecycle: Lifecycle | undefined, path: FieldPath): ErrorList {
  if (!lifecycle) return [];
  const errs: ErrorList = [];
  if (lifecycle.postStart) errs.push(...validateHandler(lifecycle.postStart, path.child('postStart')));
  if (lifecycle.preStop) errs.push(...validateHandler(lifecycle.preStop, path.child('preStop')));
  return errs;
}
