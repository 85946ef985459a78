/**
 * Tables of objects as `whctl get` prints them: the kind's columns (sdk/printers,
 * the same the apiserver serves kubectl), NAMESPACE first with -A, `kind/name`
 * names when several kinds are shown, headers upper-cased as kubectl prints them.
 */
import type { KindObject } from '../../../sdk/kind-registry.js';
import type { KindInfo } from '../../../sdk/kinds.js';
import { type Cell, type ColumnDefinition, printerFor } from '../../../sdk/printers/index.js';
import { objectLabel } from '../resources.js';
import { eventLastSeenWithRepeats } from './event.js';

export { age, humanDuration } from '../../../sdk/printers/index.js';
export { renderTable, TableWriter } from './table.js';

/** Where whctl's table of a kind departs from the server's: columns it leaves out, cells it writes its own way. */
interface View {
  readonly hidden?: readonly string[];
  readonly cells?: Readonly<Record<string, (object: KindObject, now: Date) => string>>;
}

const views: Readonly<Record<string, View>> = {
  Pod: { hidden: ['Nominated Node', 'Readiness Gates'] },
  // As `kubectl events` says it: how often, over how long.
  Event: { cells: { 'Last Seen': eventLastSeenWithRepeats } },
};

export interface TableOptions {
  readonly wide?: boolean;
  /** Adds the NAMESPACE column (with -A, for namespaced kinds). */
  readonly withNamespace?: boolean;
  /** Names as `pod/web`: several kinds are printed. */
  readonly withKind?: boolean;
  readonly now: Date;
}

/** The indices of the printer's columns shown, in order. */
function shown(info: KindInfo, opts: TableOptions): { columns: ColumnDefinition[]; indices: number[] } {
  const hidden = views[info.kind]?.hidden ?? [];
  const columns: ColumnDefinition[] = [];
  const indices: number[] = [];
  printerFor(info).columns.forEach((c, i) => {
    if ((opts.wide || c.priority === 0) && !hidden.includes(c.name)) {
      columns.push(c);
      indices.push(i);
    }
  });
  return { columns, indices };
}

export function tableHeader(info: KindInfo, opts: TableOptions): string[] {
  const { columns } = shown(info, opts);
  return [...(opts.withNamespace ? ['NAMESPACE'] : []), ...columns.map((c) => c.name.toUpperCase())];
}

export function tableRow(info: KindInfo, object: KindObject, opts: TableOptions): string[] {
  const { columns, indices } = shown(info, opts);
  const cells = printerFor(info).cells(object, opts.now);
  const own = views[info.kind]?.cells ?? {};
  return [
    ...(opts.withNamespace ? [object.metadata?.namespace ?? ''] : []),
    ...columns.map((c, i) => {
      const write = own[c.name];
      if (write) return write(object, opts.now);
      const cell: Cell = cells[indices[i] ?? -1] ?? '';
      // The name leads the row; with several kinds it says which kind it is.
      if (i === 0 && c.format === 'name' && opts.withKind) return objectLabel(info, String(cell));
      return String(cell);
    }),
  ];
}
