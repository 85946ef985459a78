/**
 * The Node strategy (Kubernetes' pkg/registry/core/node). A kubelet registers
 * its Node with status included, so create keeps the status; afterwards status
 * changes go through the status subresource.
 */
import type { Node, NodeSpec, NodeStatus } from '../../../sdk/gen/wheelhouse/core/v1/node.js';
import type { Strategy } from '../../registry/strategy.js';
import { duplicate, type ErrorList, forbidden, invalid, required } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { validateLabelValue, validateQualifiedName } from '../../validation/names.js';
import { infoOf } from '../kind-info.js';
import { isIp } from '../pod/validation.js';
import { validateResourceList } from '../shared/resources.js';
import { validateEnum } from '../shared/rules.js';
import { taintEffects } from '../shared/scheduling-validation.js';
import { keepStatus, statusStrategy } from '../shared/status-strategy.js';

const specPath = FieldPath.of('spec');
const statusPath = FieldPath.of('status');
const addressTypes = ['Hostname', 'InternalIP', 'ExternalIP', 'InternalDNS', 'ExternalDNS'];
const conditionStatuses = ['True', 'False', 'Unknown'];

function isCidr(value: string): boolean {
  const [ip = '', bits, ...rest] = value.split('/');
  if (rest.length > 0 || bits === undefined || !/^[0-9]+$/.test(bits)) return false;
  return isIp(ip) && Number(bits) <= (ip.includes(':') ? 128 : 32);
}

function validateSpec(spec: NodeSpec | undefined): ErrorList {
  if (!spec) return [];
  const errs: ErrorList = [];
  const seen = new Set<string>();
  spec.taints.forEach((t, i) => {
    const tPath = specPath.child('taints').index(i);
    if (t.key === '') errs.push(required(tPath.child('key'), ''));
    else errs.push(...validateQualifiedName(t.key, tPath.child('key')));
    errs.push(...validateLabelValue(t.value, tPath.child('value')));
    errs.push(...validateEnum(t.effect, taintEffects, tPath.child('effect')));
    // Two taints with one key and effect would be ambiguous for tolerations that name a value.
    const id = `${t.key}\0${t.effect}`;
    if (seen.has(id)) errs.push(duplicate(tPath, `${t.key}:${t.effect}`));
    seen.add(id);
  });
  spec.podCidrs.forEach((cidr, i) => {
    if (!isCidr(cidr)) errs.push(invalid(specPath.child('podCIDRs').index(i), cidr, 'must be a valid CIDR'));
  });
  if (spec.podCidr !== '' && !isCidr(spec.podCidr))
    errs.push(invalid(specPath.child('podCIDR'), spec.podCidr, 'must be a valid CIDR'));
  if (spec.podCidrs.length > 0 && spec.podCidrs[0] !== spec.podCidr) {
    errs.push(invalid(specPath.child('podCIDRs').index(0), spec.podCidrs[0], 'must match `podCIDR`'));
  }
  return errs;
}

function validateStatus(status: NodeStatus | undefined): ErrorList {
  if (!status) return [];
  const errs: ErrorList = [];
  validateResourceList(status.capacity, statusPath.child('capacity'), errs);
  validateResourceList(status.allocatable, statusPath.child('allocatable'), errs);
  errs.push(
    ...validateEnum(status.phase, ['Pending', 'Running', 'Terminated'], statusPath.child('phase'), {
      optional: true,
    }),
  );
  status.conditions.forEach((c, i) => {
    const cPath = statusPath.child('conditions').index(i);
    if (c.type === '') errs.push(required(cPath.child('type'), ''));
    errs.push(...validateEnum(c.status, conditionStatuses, cPath.child('status')));
  });
  status.addresses.forEach((a, i) => {
    errs.push(...validateEnum(a.type, addressTypes, statusPath.child('addresses').index(i).child('type')));
  });
  return errs;
}

function validateNode(node: Node): ErrorList {
  return [...validateSpec(node.spec), ...validateStatus(node.status)];
}

/** The Pod range and provider id are assigned once: Pods already have addresses from the range. */
function validateSpecUpdate(spec: NodeSpec | undefined, old: NodeSpec | undefined): ErrorList {
  const errs: ErrorList = [];
  if ((old?.podCidr ?? '') !== '' && spec?.podCidr !== old?.podCidr) {
    errs.push(
      forbidden(specPath.child('podCIDR'), 'node updates may not change podCIDR except from "" to valid'),
    );
  }
  if ((old?.providerId ?? '') !== '' && spec?.providerId !== old?.providerId) {
    errs.push(
      forbidden(
        specPath.child('providerID'),
        'node updates may not change providerID except from "" to valid',
      ),
    );
  }
  return errs;
}

export function nodeStrategy(): Strategy<Node> {
  return {
    info: infoOf('Node'),
    nameRule: 'subdomain',
    allowUnconditionalUpdate: true,
    applyDefaults(node) {
      // What Pods may use defaults to all there is.
      if (node.status && Object.keys(node.status.allocatable).length === 0) {
        node.status.allocatable = { ...node.status.capacity };
      }
    },
    prepareForCreate() {},
    validate: validateNode,
    prepareForUpdate: keepStatus,
    validateUpdate: (node, old) => [...validateSpec(node.spec), ...validateSpecUpdate(node.spec, old.spec)],
    status: statusStrategy<Node>((node) => validateStatus(node.status)),
    fieldSelectors: {
      'spec.unschedulable': (node) => String(node.spec?.unschedulable ?? false),
    },
  };
}
