/**
 * The controller's counters, named as Kubernetes exports them: slice writes by operation
 * (`endpoint_slice_controller_changes`) and syncs by result
 * (`endpoint_slice_controller_syncs`: success, error, or stale — the cache lagged behind
 * the controller's own writes). One set per registry, kept across leadership terms.
 */
import { Counter, type Registry } from 'prom-client';

export interface SyncMetrics {
  changed(operation: 'create' | 'update' | 'delete'): void;
  synced(result: 'success' | 'error' | 'stale'): void;
}

function counter(registry: Registry, name: string, help: string, label: string): Counter<string> {
  const existing = registry.getSingleMetric(name);
  if (existing instanceof Counter) return existing;
  return new Counter({ name, help, labelNames: [label], registers: [registry] });
}

export function syncMetrics(registry: Registry | undefined): SyncMetrics {
  if (!registry) return { changed() {}, synced() {} };
  const changes = counter(
    registry,
    'endpoint_slice_controller_changes',
    'Number of EndpointSlice changes',
    'operation',
  );
  const syncs = counter(
    registry,
    'endpoint_slice_controller_syncs',
    'Number of EndpointSlice syncs',
    'result',
  );
  return {
    changed: (operation) => changes.inc({ operation }),
    synced: (result) => syncs.inc({ result }),
  };
}
