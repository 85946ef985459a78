/**
 * A V8 heap snapshot (.heapsnapshot, as v8.writeHeapSnapshot or DevTools write it) summed
 * up by constructor, and two of them diffed: what a process took on between two points
 * of a run. With `--retainers NAME` it also prints, for a few objects of that constructor
 * in the second snapshot, the chain of objects that keeps each alive.
 *
 *   node --import tsx bench/heap-snapshot.ts BEFORE.heapsnapshot AFTER.heapsnapshot
 *     [--top 30] [--retainers NAME] [--samples 5]
 *
 * The counts are of self sizes (what each object itself occupies), not retained sizes:
 * a growing Map shows as its backing store growing, and the entries it holds as their
 * own constructors growing beside it.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

interface RawSnapshot {
  readonly snapshot: {
    readonly meta: {
      readonly node_fields: readonly string[];
      readonly node_types: readonly [readonly string[], ...unknown[]];
      readonly edge_fields: readonly string[];
      readonly edge_types: readonly [readonly string[], ...unknown[]];
    };
  };
  readonly nodes: readonly number[];
  readonly edges: readonly number[];
  readonly strings: readonly string[];
}

/** Objects of one group (a constructor, or a kind of V8 internal), and what they occupy. */
export interface Group {
  readonly count: number;
  readonly bytes: number;
}

/** A parsed snapshot: its nodes' groups, and the graph for retainer chains. */
export interface HeapSnapshot {
  readonly groups: ReadonlyMap<string, Group>;
  /** Node indexes (0-based) whose group is `name`. */
  nodesOf(name: string): number[];
  /** A node's description: its group and, for strings, the start of its text. */
  describe(node: number): string;
  /** The nodes that hold `node` through a strong edge, with the edge's name. */
  retainers(node: number): { node: number; edge: string }[];
}

/**
 * The group a node counts in: its constructor for JavaScript objects, and its type
 * (with the name V8 gives it, for arrays and hidden objects) for the rest.
 */
function groupOf(type: string, name: string): string {
  if (type === 'object' || type === 'native') return name;
  if (type === 'array' || type === 'hidden' || type === 'object shape')
    return `(${type}) ${name.slice(0, 60)}`;
  return `(${type})`;
}

export function parseHeapSnapshot(text: string): HeapSnapshot {
  const raw = JSON.parse(text) as RawSnapshot;
  const { meta } = raw.snapshot;
  const nodeFields = meta.node_fields.length;
  const typeAt = meta.node_fields.indexOf('type');
  const nameAt = meta.node_fields.indexOf('name');
  const sizeAt = meta.node_fields.indexOf('self_size');
  const edgeCountAt = meta.node_fields.indexOf('edge_count');
  const nodeTypes = meta.node_types[0];
  const edgeFields = meta.edge_fields.length;
  const edgeTypeAt = meta.edge_fields.indexOf('type');
  const edgeNameAt = meta.edge_fields.indexOf('name_or_index');
  const edgeToAt = meta.edge_fields.indexOf('to_node');
  const edgeTypes = meta.edge_types[0];
  const { nodes, edges, strings } = raw;
  const count = nodes.length / nodeFields;

  const group = new Array<string>(count);
  const groups = new Map<string, { count: number; bytes: number }>();
  for (let i = 0; i < count; i++) {
    const base = i * nodeFields;
    const g = groupOf(nodeTypes[nodes[base + typeAt]!] ?? '?', strings[nodes[base + nameAt]!] ?? '');
    group[i] = g;
    const entry = groups.get(g) ?? { count: 0, bytes: 0 };
    entry.count++;
    entry.bytes += nodes[base + sizeAt]!;
    groups.set(g, entry);
  }

  // Reverse edges, built once on first use: who holds each node.
  let reverse: Map<number, { node: number; edge: string }[]> | undefined;
  const buildReverse = () => {
    const map = new Map<number, { node: number; edge: string }[]>();
    let e = 0;
    for (let i = 0; i < count; i++) {
      const edgeCount = nodes[i * nodeFields + edgeCountAt]!;
      for (let k = 0; k < edgeCount; k++, e += edgeFields) {
        const type = edgeTypes[edges[e + edgeTypeAt]!];
        // Weak edges do not keep anything alive; shortcuts duplicate other paths.
        if (type === 'weak' || type === 'shortcut') continue;
        const to = edges[e + edgeToAt]! / nodeFields;
        const nameOrIndex = edges[e + edgeNameAt]!;
        const edge =
          type === 'element' || type === 'hidden' ? `[${nameOrIndex}]` : (strings[nameOrIndex] ?? '?');
        let list = map.get(to);
        if (list === undefined) {
          list = [];
          map.set(to, list);
        }
        list.push({ node: i, edge });
      }
    }
    return map;
  };

  return {
    groups,
    nodesOf(name) {
      const out: number[] = [];
      for (let i = 0; i < count; i++) if (group[i] === name) out.push(i);
      return out;
    },
    describe(node) {
      const base = node * nodeFields;
      const type = nodeTypes[nodes[base + typeAt]!];
      const name = strings[nodes[base + nameAt]!] ?? '';
      return type === 'string' ? `"${name.slice(0, 50)}"` : `${group[node]} (${nodes[base + sizeAt]} B)`;
    },
    retainers(node) {
      reverse ??= buildReverse();
      return reverse.get(node) ?? [];
    },
  };
}

/** Groups ordered by how many bytes they grew from `before` to `after`. */
export function diffGroups(
  before: ReadonlyMap<string, Group>,
  after: ReadonlyMap<string, Group>,
): { name: string; count: number; bytes: number; countAfter: number; bytesAfter: number }[] {
  const names = new Set([...before.keys(), ...after.keys()]);
  const rows = [...names].map((name) => {
    const b = before.get(name) ?? { count: 0, bytes: 0 };
    const a = after.get(name) ?? { count: 0, bytes: 0 };
    return {
      name,
      count: a.count - b.count,
      bytes: a.bytes - b.bytes,
      countAfter: a.count,
      bytesAfter: a.bytes,
    };
  });
  return rows.sort((x, y) => y.bytes - x.bytes);
}

/** The chain that keeps `node` alive, from it outwards, following the first retainer not yet seen. */
export function retainerChain(snapshot: HeapSnapshot, node: number, depth = 10): string[] {
  const chain: string[] = [snapshot.describe(node)];
  const seen = new Set([node]);
  let at = node;
  for (let i = 0; i < depth; i++) {
    const next = snapshot.retainers(at).find((r) => !seen.has(r.node));
    if (next === undefined) break;
    chain.push(`.${next.edge} of ${snapshot.describe(next.node)}`);
    seen.add(next.node);
    at = next.node;
  }
  return chain;
}

function main(): void {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      top: { type: 'string', default: '30' },
      retainers: { type: 'string' },
      samples: { type: 'string', default: '5' },
    },
  });
  const [beforePath, afterPath] = positionals;
  if (beforePath === undefined || afterPath === undefined)
    throw new Error(
      'usage: heap-snapshot.ts BEFORE.heapsnapshot AFTER.heapsnapshot [--top N] [--retainers NAME]',
    );
  const before = parseHeapSnapshot(readFileSync(beforePath, 'utf8'));
  const after = parseHeapSnapshot(readFileSync(afterPath, 'utf8'));
  const kib = (b: number) => `${(b / 1024).toFixed(0)} KiB`.padStart(11);
  const total = (g: ReadonlyMap<string, Group>) => [...g.values()].reduce((a, x) => a + x.bytes, 0);
  process.stdout.write(
    `self sizes: ${kib(total(before.groups))} before, ${kib(total(after.groups))} after\n\n  growth  objects (after)  group\n`,
  );
  for (const row of diffGroups(before.groups, after.groups).slice(0, Number(values.top)))
    process.stdout.write(
      `${kib(row.bytes)} ${String(row.count).padStart(8)} (${String(row.countAfter).padStart(8)})  ${row.name}\n`,
    );
  if (values.retainers !== undefined) {
    const nodes = after.nodesOf(values.retainers);
    const step = Math.max(1, Math.floor(nodes.length / Number(values.samples)));
    process.stdout.write(`\n${nodes.length} × ${values.retainers}; retainer chains of some:\n`);
    for (let i = 0; i < nodes.length; i += step)
      process.stdout.write(`  ${retainerChain(after, nodes[i]!).join('\n    ')}\n`);
  }
}

if (process.argv[1]?.endsWith('heap-snapshot.ts')) main();
