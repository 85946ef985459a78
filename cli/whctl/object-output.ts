/**
 * `-o name|yaml|json` of the commands that change objects (apply, edit, set,
 * replace): instead of `pod/web configured`, the object the server answered with.
 */
import type { KindObject } from '../../sdk/kind-registry.js';
import type { KindInfo } from '../../sdk/kinds.js';
import { toJson, toYaml } from '../../sdk/manifest/print.js';
import { objectLabel } from './resources.js';
import { UsageError } from './usage-error.js';

export type ObjectOutput = 'message' | 'name' | 'yaml' | 'json';

export function objectOutputOf(value: string | undefined): ObjectOutput {
  if (value === undefined || value === '') return 'message';
  if (value === 'name' || value === 'yaml' || value === 'json') return value;
  throw new UsageError(
    `unable to match a printer for output format "${value}"; allowed: json, name, yaml (or no -o)`,
  );
}

/**
 * What to print for one changed object: kubectl's `<kind>/<name> <what>` line,
 * or the object. YAML documents after the first start with `---`, as kubectl prints them.
 */
export function renderChanged(
  output: ObjectOutput,
  info: KindInfo,
  object: KindObject,
  what: string,
  first: boolean,
): string {
  const label = objectLabel(info, object.metadata?.name ?? '');
  switch (output) {
    case 'message':
      return `${label} ${what}\n`;
    case 'name':
      return `${label}\n`;
    case 'yaml':
      return `${first ? '' : '---\n'}${toYaml([{ info, object }])}`;
    case 'json':
      return toJson([{ info, object }]);
  }
}
