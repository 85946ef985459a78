/**
 * The Service's write hooks: its cluster IP and node ports are reserved in the store when
 * it is created or changed to need them, and freed when it is deleted or no longer needs
 * them (Kubernetes' Service REST: BeginCreate, BeginUpdate, AfterDelete). What a write
 * reserved is freed again when the write fails; dry runs check and reserve nothing.
 */
import { isIPv4 } from 'node:net';
import { ApiError, Code } from '../../../sdk/errors.js';
import type { Service, ServiceSpec } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { Logger } from '../../../sdk/logger.js';
import type { RequestContext } from '../../registry/request-context.js';
import type { FinishWrite, WriteHooks } from '../../registry/write-hooks.js';
import { type ErrorList, invalid } from '../../validation/field-error.js';
import { FieldPath } from '../../validation/field-path.js';
import { toApiError } from '../../validation/index.js';
import {
  OutsideRangeError,
  type RangeAllocator,
  RangeFullError,
  ValueTakenError,
} from './range-allocator.js';
import { needsClusterIP, needsNodePorts } from './strategy.js';

export interface ServiceAllocators {
  readonly clusterIPs: RangeAllocator;
  readonly nodePorts: RangeAllocator;
}

export interface Held {
  readonly allocator: RangeAllocator;
  readonly value: string;
}

const specPath = FieldPath.of('spec');

export function ownerOf(svc: Service): string {
  const m = svc.metadata;
  return `${m?.namespace ?? ''}/${m?.name ?? ''} ${m?.uid ?? ''}`;
}

/** The health check port a Local LoadBalancer Service holds besides its node ports. */
function needsHealthCheckPort(spec: ServiceSpec | undefined): boolean {
  return spec?.type === 'LoadBalancer' && spec.externalTrafficPolicy === 'Local';
}

/** Everything `svc` holds in the ranges. */
export function heldBy(svc: Service, a: ServiceAllocators): Held[] {
  const spec = svc.spec;
  const out: Held[] = [];
  if (needsClusterIP(spec) && spec?.clusterIp) out.push({ allocator: a.clusterIPs, value: spec.clusterIp });
  if (needsNodePorts(spec)) {
    for (const p of spec?.ports ?? []) {
      if (p.nodePort !== 0) out.push({ allocator: a.nodePorts, value: String(p.nodePort) });
    }
  }
  if (needsHealthCheckPort(spec) && spec?.healthCheckNodePort) {
    out.push({ allocator: a.nodePorts, value: String(spec.healthCheckNodePort) });
  }
  return out;
}

const sameHeld = (x: Held, y: Held) => x.allocator === y.allocator && x.value === y.value;

export function serviceWriteHooks(a: ServiceAllocators, logger?: Logger): WriteHooks<Service> {
  /** Never fails the write it follows: what it could not free, the repair loop frees later. */
  async function release(held: readonly Held[], owner: string): Promise<void> {
    await Promise.all(
      held.map((h) =>
        h.allocator.release(h.value, owner).catch((err: unknown) => {
          logger?.warn({ err, value: h.value, owner }, 'could not free a reservation; the repair loop will');
        }),
      ),
    );
  }

  async function begin(svc: Service, old: Service | undefined, ctx: RequestContext): Promise<FinishWrite> {
    const spec = svc.spec;
    const owner = ownerOf(svc);
    const dry = ctx.dryRun === true;
    const before = old ? heldBy(old, a) : [];
    const taken: Held[] = [];
    const errs: ErrorList = [];

    const reserve = async (
      allocator: RangeAllocator,
      value: string,
      path: FieldPath,
      what: string,
      shown: unknown,
    ) => {
      if (before.some((h) => h.allocator === allocator && h.value === value)) return;
      if (taken.some((h) => h.allocator === allocator && h.value === value)) return;
      try {
        if (dry) await allocator.check(value);
        else await allocator.allocate(value, owner);
        if (!dry) taken.push({ allocator, value });
      } catch (err) {
        if (err instanceof ValueTakenError || err instanceof OutsideRangeError) {
          const reason =
            err instanceof ValueTakenError
              ? `provided ${what} is already allocated`
              : `provided ${what} is not in the valid range. The range of valid ${what}s is ${allocator.range.text}`;
          errs.push(
            invalid(path, shown, what === 'IP' ? `failed to allocate IP ${value}: ${reason}` : reason),
          );
          return;
        }
        throw err;
      }
    };
    const reserveNext = async (allocator: RangeAllocator, what: string): Promise<string> => {
      try {
        if (dry) return await allocator.peekNext();
        const value = await allocator.allocateNext(owner);
        taken.push({ allocator, value });
        return value;
      } catch (err) {
        if (err instanceof RangeFullError) {
          throw new ApiError(
            Code.RESOURCE_EXHAUSTED,
            `failed to allocate a ${what}: range ${allocator.range.text} is full`,
          );
        }
        throw err;
      }
    };

    try {
      if (spec && needsClusterIP(spec)) {
        if (spec.clusterIp === '') {
          spec.clusterIp = await reserveNext(a.clusterIPs, 'service IP');
          spec.clusterIps = [spec.clusterIp];
        } else if (isIPv4(spec.clusterIp)) {
          await reserve(a.clusterIPs, spec.clusterIp, specPath.child('clusterIPs'), 'IP', spec.clusterIps);
        }
      }
      const ports = spec && needsNodePorts(spec) ? spec.ports : [];
      const healthCheck = spec !== undefined && needsHealthCheckPort(spec);
      // The ports asked for first, so that a port chosen at random never takes one of them.
      for (const [i, port] of ports.entries()) {
        if (port.nodePort >= 1 && port.nodePort <= 65535) {
          const path = specPath.child('ports').index(i).child('nodePort');
          await reserve(a.nodePorts, String(port.nodePort), path, 'port', port.nodePort);
        }
      }
      if (healthCheck && spec.healthCheckNodePort !== 0) {
        const path = specPath.child('healthCheckNodePort');
        await reserve(a.nodePorts, String(spec.healthCheckNodePort), path, 'port', spec.healthCheckNodePort);
      }
      if (errs.length === 0) {
        // Ports of one number under several protocols share their node port, as in Kubernetes.
        const byPort = new Map<number, number>();
        for (const port of ports) if (port.nodePort !== 0) byPort.set(port.port, port.nodePort);
        for (const port of ports) {
          if (port.nodePort !== 0) continue;
          port.nodePort = byPort.get(port.port) ?? Number(await reserveNext(a.nodePorts, 'node port'));
          byPort.set(port.port, port.nodePort);
        }
        if (healthCheck && spec.healthCheckNodePort === 0) {
          spec.healthCheckNodePort = Number(await reserveNext(a.nodePorts, 'health check node port'));
        }
      }
    } catch (err) {
      await release(taken, owner);
      throw err;
    }
    if (errs.length > 0) {
      await release(taken, owner);
      throw toApiError('Service', svc.metadata?.name ?? '', errs);
    }

    return async (stored) => {
      if (dry) return;
      if (!stored) return release(taken, owner);
      // Stored: what the old object held and this one does not is free again.
      const now = heldBy(svc, a);
      await release(
        before.filter((h) => !now.some((n) => sameHeld(h, n))),
        owner,
      );
    };
  }

  return {
    beginCreate: (svc, ctx) => begin(svc, undefined, ctx),
    beginUpdate: (svc, old, ctx) => begin(svc, old, ctx),
    async afterDelete(svc) {
      await release(heldBy(svc, a), ownerOf(svc));
    },
  };
}
