/** `whctl api-resources`: the kinds the API serves, from the kind table, as kubectl lists them. */
import { apiVersionOf, kinds } from '../../../sdk/kinds.js';
import type { Command } from '../command.js';
import { parseFlags } from '../flags.js';
import { renderTable } from '../printers/index.js';

export const apiResourcesCommand: Command = {
  summary: 'Print the supported API resources',
  help: `Print the supported API resources: name, short names, apiVersion, scope and kind.

Usage:
  whctl api-resources [--namespaced=true|false] [-o name]
`,
  async run(args, ctx) {
    const { values } = parseFlags(args, {
      namespaced: { type: 'string' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    });
    const selected = kinds.filter(
      (k) => values.namespaced === undefined || String(k.namespaced) === values.namespaced,
    );
    if (values.output === 'name') {
      for (const k of selected) ctx.io.write(`${k.apiGroup ? `${k.resource}.${k.apiGroup}` : k.resource}\n`);
      return 0;
    }
    const rows = [
      ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND'],
      ...selected.map((k) => [
        k.resource,
        k.shortNames.join(','),
        apiVersionOf(k),
        String(k.namespaced),
        k.kind,
      ]),
    ];
    ctx.io.write(renderTable(rows));
    return 0;
  },
};
