/**
 * The shape of a kind's table: the columns `kubectl get` shows for it, as the
 * apiserver describes them in a `meta.k8s.io/v1` Table, and the cells of one object.
 * The apiserver serves these tables to kubectl; whctl prints the same cells itself.
 */
import type { KindObject } from '../kind-registry.js';

/** A column, as a Table's `columnDefinitions` carries it. */
export interface ColumnDefinition {
  /** As Kubernetes names it (`Up-to-date`); clients print it upper-cased. */
  readonly name: string;
  /** The OpenAPI type of the column's cells. */
  readonly type: 'string' | 'integer' | 'number' | 'boolean' | 'date';
  /** `name` marks the column holding the object's name (kubectl writes `kind/name` there). */
  readonly format: '' | 'name';
  readonly description: string;
  /** 0: always shown; 1: shown only with `-o wide`. */
  readonly priority: 0 | 1;
}

/** A cell: a JSON scalar, typed as its column says (integers as numbers). */
export type Cell = string | number | boolean;

/** A condition on a row (`Completed` for a pod that finished), as a Table's rows carry them. */
export interface RowCondition {
  readonly type: string;
  readonly status: 'True' | 'False' | 'Unknown';
  readonly reason: string;
  readonly message: string;
}

/** The table of one kind. */
export interface Printer {
  readonly columns: readonly ColumnDefinition[];
  /** One cell per column, in the columns' order, with ages measured at `now`. Must not mutate the object. */
  cells(object: KindObject, now: Date): Cell[];
  /** Conditions of the object's row; none for most kinds. */
  conditions?(object: KindObject): RowCondition[];
}

/** A column together with how its cell is computed from an object of type T. */
export interface Column<T> extends ColumnDefinition {
  readonly cell: (object: T, now: Date) => Cell;
}

/**
 * A column; `priority: 1` for `-o wide` only. `type` is the type of the cells
 * `cell` returns, which the caller keeps consistent.
 */
export function column<T>(
  name: string,
  type: ColumnDefinition['type'],
  description: string,
  cell: (object: T, now: Date) => Cell,
  opts: { priority?: 0 | 1; format?: '' | 'name' } = {},
): Column<T> {
  return { name, type, format: opts.format ?? '', description, priority: opts.priority ?? 0, cell };
}

/**
 * A printer from its columns, typed by the kind's message while stored as a
 * printer of any kind: the registry picks printers by kind, so the object a
 * printer receives is always of its kind.
 */
export function definePrinter<T extends KindObject>(
  columns: readonly Column<T>[],
  conditions?: (object: T) => RowCondition[],
): Printer {
  const definitions = columns.map(({ cell: _cell, ...definition }) => definition);
  return {
    columns: definitions,
    cells: (object, now) => columns.map((c) => c.cell(object as T, now)),
    ...(conditions ? { conditions: (object: KindObject) => conditions(object as T) } : {}),
  };
}

/** kubectl's placeholder for an empty value. */
export const NONE = '<none>';

export function orNone(value: string | undefined): string {
  return value ? value : NONE;
}
