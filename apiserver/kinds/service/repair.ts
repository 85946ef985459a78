/**
 * Keeps the reservations of cluster IPs and node ports true to the Services stored
 * (Kubernetes' repair loops for service IPs and node ports): a reservation no Service
 * holds is freed — left by an apiserver that stopped between reserving and storing, or a
 * release that failed — and a value a Service holds without a reservation is reserved again
 * (a store restored from an older backup). A reservation is freed only when it looked
 * leaked on two passes in a row: a Service being created elsewhere holds its reservation
 * for a moment before it is stored.
 */
import type { Service } from '../../../sdk/gen/wheelhouse/core/v1/service.js';
import type { Logger } from '../../../sdk/logger.js';
import { heldBy, ownerOf, type ServiceAllocators } from './allocation.js';
import { ValueTakenError } from './range-allocator.js';

export interface RepairResult {
  readonly released: number;
  readonly restored: number;
}

export type RepairPass = () => Promise<RepairResult>;

export function createServiceRangeRepair(
  allocators: ServiceAllocators,
  listServices: () => Promise<Service[]>,
  logger?: Logger,
): RepairPass {
  const ranges = [allocators.clusterIPs, allocators.nodePorts];
  let suspects = new Set<string>();

  return async () => {
    // Reservations first: a Service stored after this read holds no reservation read here.
    const reserved = await Promise.all(ranges.map((r) => r.reservations()));
    const services = await listServices();
    const expected = ranges.map(() => new Map<string, string>());
    for (const svc of services) {
      for (const h of heldBy(svc, allocators))
        expected[ranges.indexOf(h.allocator)]?.set(h.value, ownerOf(svc));
    }
    let released = 0;
    let restored = 0;
    const nextSuspects = new Set<string>();
    for (const [i, range] of ranges.entries()) {
      const want = expected[i] ?? new Map<string, string>();
      for (const [value, owner] of reserved[i] ?? []) {
        if (want.get(value) === owner) continue;
        const key = `${i} ${value} ${owner}`;
        if (!suspects.has(key)) {
          nextSuspects.add(key);
          continue;
        }
        await range.release(value, owner);
        released++;
        logger?.warn({ value, owner, range: range.range.text }, 'freed a reservation no Service holds');
      }
      for (const [value, owner] of want) {
        const held = reserved[i]?.get(value);
        if (held === owner) continue;
        if (held !== undefined) continue; // Held under another owner: freed above once it looks leaked twice.
        try {
          await range.allocate(value, owner);
          restored++;
          logger?.warn({ value, owner, range: range.range.text }, 'reserved again a value a Service holds');
        } catch (err) {
          if (!(err instanceof ValueTakenError)) throw err;
        }
      }
    }
    suspects = nextSuspects;
    return { released, restored };
  };
}

/** Runs `pass` now and every `intervalMs` until `signal` aborts; failures are logged and retried on the next tick. */
export function runServiceRangeRepair(
  pass: RepairPass,
  intervalMs: number,
  signal: AbortSignal,
  logger?: Logger,
): void {
  const run = () => {
    pass().catch((err: unknown) => logger?.warn({ err }, 'service range repair failed; trying again later'));
  };
  run();
  const timer = setInterval(run, intervalMs);
  timer.unref();
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
}
