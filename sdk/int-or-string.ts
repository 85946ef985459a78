/**
 * IntOrString values (maxSurge, maxUnavailable, minAvailable): a count, or a percentage
 * of some total, as Kubernetes' intstr package reads them.
 */
import type { IntOrString } from './gen/wheelhouse/meta/v1/meta.js';

/**
 * The value against `total`: a count as it is, a percentage of `total` rounded up or down
 * (intstr.GetScaledValueFromIntOrPercent); 0 when unset. Throws on a string that is not
 * a percentage, which validation refuses before any controller sees it.
 */
export function scaledValue(v: IntOrString | undefined, total: number, roundUp: boolean): number {
  const value = v?.value;
  if (value === undefined) return 0;
  if (value.$case === 'intVal') return value.value;
  const match = /^(-?\d+)%$/.exec(value.value);
  if (!match) throw new Error(`invalid value for IntOrString: "${value.value}" is not a percentage`);
  const exact = (Number(match[1]) * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}
