/**
 * kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath) over plain JSON:
 * text with `{…}` actions — field paths (`.metadata.name`, `['quoted.key']`,
 * `.*`), `..` recursive descent, indices and slices (`[0]`, `[-1]`, `[1:3]`,
 * `[::2]`), unions (`[0,2]`), `[*]`, filters (`[?(@.status.phase=="Running")]`,
 * `[?(@.ready)]`), string literals (`{"\t"}`), and `{range …}…{end}`.
 *
 * As `kubectl get -o jsonpath` prints: strings raw, anything else as compact
 * JSON, several results of one action separated by a space, and a missing
 * field prints nothing (kubectl's default --allow-missing-template-keys).
 */

/** One step of a path: a function from the nodes reached so far to the next ones. */
type Step =
  | { readonly kind: 'root' }
  | { readonly kind: 'current' }
  | { readonly kind: 'field'; readonly names: readonly string[] }
  | { readonly kind: 'wildcard' }
  | { readonly kind: 'recursive' }
  | { readonly kind: 'indices'; readonly indices: readonly number[] }
  | {
      readonly kind: 'slice';
      readonly start: number | undefined;
      readonly end: number | undefined;
      readonly step: number | undefined;
    }
  | { readonly kind: 'filter'; readonly filter: Filter };

type Operand = { readonly path: Path } | { readonly literal: unknown };

interface Filter {
  readonly left: Operand;
  /** Absent: the filter tests that the left path exists and is not false. */
  readonly op?: '==' | '!=' | '<' | '<=' | '>' | '>=';
  readonly right?: Operand;
}

type Path = readonly Step[];

type Node =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'path'; readonly path: Path }
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'range'; readonly path: Path; readonly body: readonly Node[] };

/** A parsed template, ready to run against many inputs. */
export interface JsonPath {
  /** The text the template prints for `input`. */
  execute(input: unknown): string;
  /** Every value the template's first path action reaches (for sorting and columns). */
  find(input: unknown): unknown[];
}

export class JsonPathError extends Error {
  override name = 'JsonPathError';
}

/** Parses a template such as `{range .items[*]}{.metadata.name}{"\n"}{end}`. */
export function parseJsonPath(template: string): JsonPath {
  const nodes = parseTemplate(template);
  return {
    execute: (input) => run(nodes, input, input),
    find(input) {
      const first = firstPath(nodes);
      return first ? evaluate(first, input, input) : [];
    },
  };
}

/**
 * kubectl's relaxed form for --sort-by and custom columns: `.metadata.name`,
 * `metadata.name` and `{.metadata.name}` all mean the same path.
 */
export function relaxedJsonPath(expression: string): string {
  const trimmed = expression.trim();
  if (trimmed.startsWith('{') && trimmed.endsWith('}')) return trimmed;
  if (trimmed === '') throw new JsonPathError('a JSONPath expression must not be empty');
  if (trimmed.startsWith('.') || trimmed.startsWith('[') || trimmed.startsWith('$')) return `{${trimmed}}`;
  return `{.${trimmed}}`;
}

/** kubectl's printing of one value: strings raw, everything else as compact JSON. */
export function formatJsonPathValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === undefined) return '';
  return JSON.stringify(value);
}

function firstPath(nodes: readonly Node[]): Path | undefined {
  for (const node of nodes) {
    if (node.kind === 'path') return node.path;
    if (node.kind === 'range') return firstPath(node.body);
  }
  return undefined;
}

function run(nodes: readonly Node[], root: unknown, current: unknown): string {
  let out = '';
  for (const node of nodes) {
    switch (node.kind) {
      case 'text':
      case 'literal':
        out += node.text;
        break;
      case 'path':
        out += evaluate(node.path, root, current).map(formatJsonPathValue).join(' ');
        break;
      case 'range':
        for (const item of rangeItems(node.path, root, current)) out += run(node.body, root, item);
        break;
    }
  }
  return out;
}

/** `{range .items}` walks the array; `{range .items[*]}` walks what the path reached. */
function rangeItems(path: Path, root: unknown, current: unknown): unknown[] {
  const found = evaluate(path, root, current);
  const last = path[path.length - 1];
  const expands = last !== undefined && ['wildcard', 'slice', 'filter', 'recursive'].includes(last.kind);
  if (expands) return found;
  return found.flatMap((value) => (Array.isArray(value) ? value : [value]));
}

function evaluate(path: Path, root: unknown, current: unknown): unknown[] {
  let nodes: unknown[] = [current];
  for (const step of path) nodes = nodes.flatMap((node) => apply(step, node, root));
  return nodes;
}

function apply(step: Step, node: unknown, root: unknown): unknown[] {
  switch (step.kind) {
    case 'root':
      return [root];
    case 'current':
      return [node];
    case 'field':
      if (!isObject(node)) return [];
      return step.names.filter((name) => Object.hasOwn(node, name)).map((name) => node[name]);
    case 'wildcard':
      if (Array.isArray(node)) return node;
      return isObject(node) ? Object.keys(node).map((key) => node[key]) : [];
    case 'recursive':
      return descendants(node);
    case 'indices': {
      if (!Array.isArray(node)) return [];
      return step.indices.flatMap((i) => {
        const at = i < 0 ? node.length + i : i;
        return at >= 0 && at < node.length ? [node[at]] : [];
      });
    }
    case 'slice':
      return Array.isArray(node) ? slice(node, step.start, step.end, step.step) : [];
    case 'filter': {
      const items = Array.isArray(node) ? node : isObject(node) ? Object.values(node) : [];
      return items.filter((item) => matches(step.filter, item, root));
    }
  }
}

/** The node and everything under it, parents before children (`..`). */
function descendants(node: unknown): unknown[] {
  const out: unknown[] = [node];
  const children = Array.isArray(node) ? node : isObject(node) ? Object.values(node) : [];
  for (const child of children) out.push(...descendants(child));
  return out;
}

function slice(items: readonly unknown[], start?: number, end?: number, step?: number): unknown[] {
  const n = items.length;
  const by = step ?? 1;
  if (by === 0) throw new JsonPathError('a slice step must not be 0');
  const clamp = (i: number) => Math.min(Math.max(i < 0 ? n + i : i, 0), n);
  const out: unknown[] = [];
  if (by > 0) {
    for (let i = clamp(start ?? 0); i < clamp(end ?? n); i += by) out.push(items[i]);
  } else {
    const from = start === undefined ? n - 1 : Math.min(clamp(start), n - 1);
    const to = end === undefined ? -1 : clamp(end);
    for (let i = from; i > to; i += by) out.push(items[i]);
  }
  return out;
}

function matches(filter: Filter, item: unknown, root: unknown): boolean {
  const left = operand(filter.left, item, root);
  if (!filter.op || !filter.right) return left.some((v) => v !== undefined && v !== null && v !== false);
  const right = operand(filter.right, item, root);
  const op = filter.op;
  return left.some((l) => right.some((r) => compare(l, op, r)));
}

function operand(o: Operand, item: unknown, root: unknown): unknown[] {
  return 'path' in o ? evaluate(o.path, root, item) : [o.literal];
}

function compare(left: unknown, op: NonNullable<Filter['op']>, right: unknown): boolean {
  if (op === '==') return equal(left, right);
  if (op === '!=') return !equal(left, right);
  const l = typeof left === 'string' && typeof right === 'number' ? Number(left) : left;
  const r = typeof right === 'string' && typeof left === 'number' ? Number(right) : right;
  if (!((typeof l === 'number' && typeof r === 'number') || (typeof l === 'string' && typeof r === 'string')))
    return false;
  switch (op) {
    case '<':
      return l < r;
    case '<=':
      return l <= r;
    case '>':
      return l > r;
    case '>=':
      return l >= r;
  }
}

/** Numbers stored as strings (int64 fields print as strings) equal their numeric literal. */
function equal(left: unknown, right: unknown): boolean {
  if (typeof left === 'number' && typeof right === 'string') return String(left) === right;
  if (typeof left === 'string' && typeof right === 'number') return left === String(right);
  return JSON.stringify(left) === JSON.stringify(right);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// ---- parsing ----

function parseTemplate(template: string): Node[] {
  const stack: { path?: Path; body: Node[] }[] = [{ body: [] }];
  const top = () => stack[stack.length - 1] as { path?: Path; body: Node[] };
  let i = 0;
  let text = '';
  const flushText = () => {
    if (text) top().body.push({ kind: 'text', text });
    text = '';
  };
  while (i < template.length) {
    const ch = template[i] as string;
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    flushText();
    const close = findClose(template, i + 1);
    const action = template.slice(i + 1, close).trim();
    i = close + 1;
    if (action === 'end') {
      const done = stack.pop();
      if (!done?.path || stack.length === 0) throw new JsonPathError('{end} without a {range}');
      top().body.push({ kind: 'range', path: done.path, body: done.body });
    } else if (/^range\s/.test(action)) {
      stack.push({ path: parsePath(action.slice(6).trim()), body: [] });
    } else if (action.startsWith('"') || action.startsWith("'")) {
      top().body.push({ kind: 'literal', text: unquote(action) });
    } else if (action === '') {
      throw new JsonPathError(`empty action {} in ${JSON.stringify(template)}`);
    } else {
      top().body.push({ kind: 'path', path: parsePath(action) });
    }
  }
  flushText();
  if (stack.length !== 1) throw new JsonPathError(`{range} without {end} in ${JSON.stringify(template)}`);
  return (stack[0] as { body: Node[] }).body;
}

/** The `}` that closes the action opened before `from`, skipping quoted text. */
function findClose(template: string, from: number): number {
  let quote: string | undefined;
  for (let i = from; i < template.length; i++) {
    const ch = template[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '}') return i;
  }
  throw new JsonPathError(`unclosed action in ${JSON.stringify(template)}: add the closing "}"`);
}

function unquote(literal: string): string {
  const quote = literal[0];
  if (literal.length < 2 || literal[literal.length - 1] !== quote)
    throw new JsonPathError(`unterminated string ${literal}`);
  const body = literal.slice(1, -1);
  return body.replace(/\\(u[0-9a-fA-F]{4}|.)/gs, (_, esc: string) => {
    switch (esc[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case 'u':
        return String.fromCharCode(Number.parseInt(esc.slice(1), 16));
      default:
        return esc;
    }
  });
}

const IDENT = /^(?:\\.|[^.[\]\s()=!<>&|,'"\\])+/s;

function parsePath(source: string): Path {
  const p = { s: source, i: 0 };
  const steps = parseSteps(p, false);
  if (p.i < p.s.length) throw syntax(p, 'unexpected text');
  return steps;
}

function syntax(p: { s: string; i: number }, what: string): JsonPathError {
  return new JsonPathError(`invalid JSONPath ${JSON.stringify(p.s)} at column ${p.i + 1}: ${what}`);
}

/** Steps until the end of input, or (inside a filter) until an operator or `)`. */
function parseSteps(p: { s: string; i: number }, inFilter: boolean): Step[] {
  const steps: Step[] = [];
  const rest = () => p.s.slice(p.i);
  while (p.i < p.s.length) {
    const ch = p.s[p.i];
    if (ch === '$') {
      steps.push({ kind: 'root' });
      p.i++;
    } else if (ch === '@') {
      steps.push({ kind: 'current' });
      p.i++;
    } else if (rest().startsWith('..')) {
      steps.push({ kind: 'recursive' });
      p.i += 2;
      if (p.s[p.i] === '*') {
        steps.push({ kind: 'wildcard' });
        p.i++;
      } else if (p.s[p.i] !== '[') steps.push(parseField(p));
    } else if (ch === '.') {
      p.i++;
      if (p.i >= p.s.length) break; // `{.}` is the current object
      if (p.s[p.i] === '*') {
        steps.push({ kind: 'wildcard' });
        p.i++;
      } else if (p.s[p.i] !== '[') steps.push(parseField(p));
    } else if (ch === '[') {
      steps.push(parseBracket(p));
    } else if (inFilter) {
      break;
    } else if (steps.length === 0 && IDENT.test(rest())) {
      steps.push(parseField(p));
    } else {
      throw syntax(p, `unexpected ${JSON.stringify(ch)}`);
    }
  }
  return steps;
}

function parseField(p: { s: string; i: number }): Step {
  const m = IDENT.exec(p.s.slice(p.i));
  if (!m) throw syntax(p, 'expected a field name');
  p.i += m[0].length;
  return { kind: 'field', names: [m[0].replace(/\\(.)/gs, '$1')] };
}

function parseBracket(p: { s: string; i: number }): Step {
  const close = bracketEnd(p);
  const inner = p.s.slice(p.i + 1, close).trim();
  const at = p.i;
  p.i = close + 1;
  if (inner === '*') return { kind: 'wildcard' };
  if (inner.startsWith('?')) {
    const m = /^\?\s*\((.*)\)$/s.exec(inner);
    if (!m) throw syntax({ s: p.s, i: at }, 'a filter is written [?(@.field=="value")]');
    return { kind: 'filter', filter: parseFilter(m[1] as string) };
  }
  const parts = splitTopLevel(inner);
  if (parts.every((part) => /^['"]/.test(part))) return { kind: 'field', names: parts.map(unquote) };
  if (parts.length === 1 && (parts[0] as string).includes(':')) {
    const bounds = (parts[0] as string).split(':').map((b) => b.trim());
    if (bounds.length > 3) throw syntax({ s: p.s, i: at }, 'a slice has at most three parts');
    const num = (b: string | undefined) => {
      if (b === undefined || b === '') return undefined;
      if (!/^-?\d+$/.test(b)) throw syntax({ s: p.s, i: at }, `${JSON.stringify(b)} is not an integer`);
      return Number(b);
    };
    return { kind: 'slice', start: num(bounds[0]), end: num(bounds[1]), step: num(bounds[2]) };
  }
  const indices = parts.map((part) => {
    if (!/^-?\d+$/.test(part)) throw syntax({ s: p.s, i: at }, `${JSON.stringify(part)} is not an index`);
    return Number(part);
  });
  return { kind: 'indices', indices };
}

/** The `]` matching the `[` at p.i, skipping quotes and nested brackets. */
function bracketEnd(p: { s: string; i: number }): number {
  let depth = 0;
  let quote: string | undefined;
  for (let i = p.i; i < p.s.length; i++) {
    const ch = p.s[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === '[') depth++;
    else if (ch === ']' && --depth === 0) return i;
  }
  throw syntax(p, 'unclosed "["');
}

function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === '\\') i++;
      else if (ch === quote) quote = undefined;
    } else if (ch === '"' || ch === "'") quote = ch;
    else if (ch === ',') {
      parts.push(text.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(text.slice(start).trim());
  return parts;
}

function parseFilter(text: string): Filter {
  const p = { s: text.trim(), i: 0 };
  const left = parseOperand(p);
  skipSpace(p);
  if (p.i >= p.s.length) return { left };
  const m = /^(==|!=|<=|>=|<|>)/.exec(p.s.slice(p.i));
  if (!m) throw syntax(p, 'expected ==, !=, <, <=, > or >=');
  p.i += m[0].length;
  skipSpace(p);
  const right = parseOperand(p);
  skipSpace(p);
  if (p.i < p.s.length) throw syntax(p, 'unexpected text after the filter');
  return { left, op: m[0] as NonNullable<Filter['op']>, right };
}

function skipSpace(p: { s: string; i: number }) {
  while (p.i < p.s.length && /\s/.test(p.s[p.i] as string)) p.i++;
}

function parseOperand(p: { s: string; i: number }): Operand {
  skipSpace(p);
  const ch = p.s[p.i];
  if (ch === '@' || ch === '$') return { path: parseSteps(p, true) };
  if (ch === '"' || ch === "'") {
    let end = p.i + 1;
    while (end < p.s.length && p.s[end] !== ch) end += p.s[end] === '\\' ? 2 : 1;
    const literal = p.s.slice(p.i, end + 1);
    p.i = end + 1;
    return { literal: unquote(literal) };
  }
  const m = /^(-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null)/.exec(p.s.slice(p.i));
  if (!m) throw syntax(p, 'expected @.path, a quoted string, a number, true, false or null');
  p.i += m[0].length;
  return { literal: JSON.parse(m[0]) };
}
