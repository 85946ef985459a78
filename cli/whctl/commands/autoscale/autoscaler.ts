/**
 * The HorizontalPodAutoscaler `whctl autoscale` creates, as kubectl autoscale builds it:
 * named after its target (or --name), keeping the target between --min and --max
 * replicas, on the pods' CPU at --cpu-percent of their requests. What the flags leave
 * out the apiserver defaults: 1 replica at least, 80% CPU.
 */
import { apiVersionOf, type KindInfo } from '../../../../sdk/kinds.js';
import type { JsonObject } from '../../../../sdk/manifest/decode.js';
import { UsageError } from '../../usage-error.js';

/** The flags that shape the autoscaler, checked as kubectl checks them. */
export interface AutoscaleOptions {
  /** The autoscaler's name; the target's when unset. */
  readonly name?: string;
  /** Set only when above 0: kubectl leaves 0 and below (its default, -1) to the server. */
  readonly min?: number;
  readonly max: number;
  /** A CPU target is set only when 0 or above; otherwise the server's default metric applies. */
  readonly cpuPercent?: number;
}

/** The flags as given (strings, unset when absent). */
export interface AutoscaleFlags {
  readonly name?: string | undefined;
  readonly min?: string | undefined;
  readonly max?: string | undefined;
  readonly 'cpu-percent'?: string | undefined;
}

/** kubectl's defaults of --min and --cpu-percent: "not given". */
const UNSET = -1;

/** Reads and checks the flags, with kubectl's messages. */
export function autoscaleOptionsOf(flags: AutoscaleFlags): AutoscaleOptions {
  if (flags.max === undefined) throw new UsageError('required flag(s) "max" not set');
  const max = int32Of('max', flags.max);
  const min = flags.min === undefined ? UNSET : int32Of('min', flags.min);
  const cpuPercent =
    flags['cpu-percent'] === undefined ? UNSET : int32Of('cpu-percent', flags['cpu-percent']);
  if (max < 1) throw new Error(`--max=MAXPODS is required and must be at least 1, max: ${max}`);
  if (max < min)
    throw new Error(`--max=MAXPODS must be larger or equal to --min=MINPODS, max: ${max}, min: ${min}`);
  return {
    ...(flags.name ? { name: flags.name } : {}),
    ...(min > 0 ? { min } : {}),
    max,
    ...(cpuPercent >= 0 ? { cpuPercent } : {}),
  };
}

/** An int32 flag, refused as kubectl's flag parser refuses it. */
function int32Of(flag: string, text: string): number {
  const refuse = (why: string) =>
    new UsageError(
      `invalid argument "${text}" for "--${flag}" flag: strconv.ParseInt: parsing "${text}": ${why}`,
    );
  if (!/^[+-]?\d+$/.test(text)) throw refuse('invalid syntax');
  const n = Number(text);
  if (n < -(2 ** 31) || n > 2 ** 31 - 1) throw refuse('value out of range');
  return n;
}

/**
 * Whether kubectl would autoscale the kind: it must have a scale subresource (Deployments,
 * ReplicaSets, StatefulSets). Asked after the object is read, as kubectl asks it.
 */
export function checkAutoscalable(info: KindInfo): void {
  if (info.scale) return;
  // Go's GroupVersionResource: `/v1, Resource=configmaps`, `apps/v1, Resource=daemonsets`.
  const resource = `${info.apiGroup}/${info.version}, Resource=${info.resource}`;
  throw new Error(
    `cannot autoscale a ${info.kind}: could not find scale subresource for ${resource} in discovery information`,
  );
}

/** The autoscaling/v2 HorizontalPodAutoscaler of a target, in manifest form. */
export function autoscalerFor(
  target: { readonly info: KindInfo; readonly name: string },
  options: AutoscaleOptions,
): JsonObject {
  const cpu =
    options.cpuPercent === undefined
      ? undefined
      : {
          type: 'Resource',
          resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: options.cpuPercent } },
        };
  return {
    apiVersion: 'autoscaling/v2',
    kind: 'HorizontalPodAutoscaler',
    metadata: { name: options.name ?? target.name },
    spec: {
      scaleTargetRef: { apiVersion: apiVersionOf(target.info), kind: target.info.kind, name: target.name },
      ...(options.min !== undefined ? { minReplicas: options.min } : {}),
      maxReplicas: options.max,
      ...(cpu ? { metrics: [cpu] } : {}),
    },
  };
}
