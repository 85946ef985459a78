import type { KindObject } from '../../../sdk/kind-registry.js';

/** One column of a kind's table. NAME is implied and always first. */
export interface Column<T> {
  readonly header: string;
  /** Only shown with `-o wide`. */
  readonly wide?: boolean;
  readonly cell: (object: T, now: Date) => string;
}

/** The columns kubectl prints for a kind. */
export interface TablePrinter<T extends KindObject = KindObject> {
  readonly columns: readonly Column<T>[];
  /** The kind's table has no NAME column first (events, as kubectl prints them). */
  readonly withoutName?: boolean;
}

/** Types a printer's columns by its kind's message while storing it as a printer of any kind. */
export function definePrinter<T extends KindObject>(
  columns: readonly Column<T>[],
  opts: { withoutName?: boolean } = {},
): TablePrinter {
  return { columns, ...opts } as unknown as TablePrinter;
}

/** kubectl's placeholder for an empty value. */
export const NONE = '<none>';

export function orNone(value: string | undefined): string {
  return value ? value : NONE;
}
