/**
 * The text of a `describe`: `Key:  value` lines at indent levels, with the values of
 * neighbouring pairs at one level lined up, as kubectl's tab-aligned describers print.
 *
 * kubectl writes each describe through one tabwriter: neighbouring lines with tab-ended
 * cells share their columns, and a line without a tab ends them. So the rows of a table
 * and the pairs right after it (`Events:  <none>` after a Conditions table) share their
 * first column, and render() lines them up alike.
 */
type Line =
  | { readonly level: number; readonly type: 'pair'; readonly key: string; readonly value: string }
  | { readonly level: number; readonly type: 'row'; readonly cells: readonly string[] }
  | { readonly level: number; readonly type: 'heading' | 'text'; readonly text: string };

type Tabbed = Extract<Line, { type: 'pair' | 'row' }>;

export class Description {
  private readonly lines: Line[] = [];

  /** A `Key:  value` line; an empty value prints `<none>`. */
  item(level: number, key: string, value: string): this {
    this.lines.push({ level, type: 'pair', key: `${key}:`, value: value === '' ? '<none>' : value });
    return this;
  }

  /** `Key:` alone, heading what follows one level deeper. */
  heading(level: number, key: string): this {
    this.lines.push({ level, type: 'heading', text: `${key}:` });
    return this;
  }

  /** A line printed as it is; it ends the block of aligned lines before it. */
  text(level: number, text: string): this {
    this.lines.push({ level, type: 'text', text });
    return this;
  }

  /** Rows as columns two spaces apart (the first row is usually the header); the first column is shared with the pairs around. */
  table(level: number, rows: readonly (readonly string[])[]): this {
    for (const cells of rows) {
      if (cells.length < 2) this.text(level, cells[0] ?? '');
      else this.lines.push({ level, type: 'row', cells });
    }
    return this;
  }

  /** `Key:  first` and the other values aligned under it, one a line, or `<none>`. */
  values(level: number, key: string, values: readonly string[]): this {
    this.item(level, key, values[0] ?? '');
    for (const value of values.slice(1)) this.lines.push({ level, type: 'pair', key: '', value });
    return this;
  }

  /** `Key:  k=v` on the first line and the others aligned under it, or `<none>`. */
  map(level: number, key: string, entries: Readonly<Record<string, string>> | undefined): this {
    const pairs = Object.entries(entries ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([k, v]) => `${k}=${v}`);
    return this.values(level, key, pairs);
  }

  render(): string {
    let out = '';
    let i = 0;
    while (i < this.lines.length) {
      const line = this.lines[i] as Line;
      if (line.type === 'heading' || line.type === 'text') {
        out += `${indentOf(line.level)}${line.text}\n`;
        i++;
        continue;
      }
      // A block of pairs and rows shares its first column; pairs at another level than
      // the pair before them start a block of their own.
      let end = i + 1;
      while (end < this.lines.length) {
        const next = this.lines[end] as Line;
        const previous = this.lines[end - 1] as Tabbed;
        if (next.type === 'heading' || next.type === 'text') break;
        if (next.type === 'pair' && previous.type === 'pair' && next.level !== previous.level) break;
        end++;
      }
      out += renderBlock(this.lines.slice(i, end) as Tabbed[]);
      i = end;
    }
    return out;
  }
}

function indentOf(level: number): string {
  return '  '.repeat(level);
}

function firstCell(line: Tabbed): string {
  return indentOf(line.level) + (line.type === 'pair' ? line.key : (line.cells[0] as string));
}

/** Lines that share their first column; the other columns of rows are shared by neighbouring rows. */
function renderBlock(block: readonly Tabbed[]): string {
  const first = Math.max(...block.map((line) => firstCell(line).length)) + 2;
  let out = '';
  let i = 0;
  while (i < block.length) {
    const line = block[i] as Tabbed;
    if (line.type === 'pair') {
      out += `${firstCell(line).padEnd(first)}${line.value}\n`;
      i++;
      continue;
    }
    let end = i + 1;
    while (end < block.length && (block[end] as Tabbed).type === 'row') end++;
    const rows = block.slice(i, end) as Extract<Tabbed, { type: 'row' }>[];
    out += renderRows(rows, first);
    i = end;
  }
  return out;
}

/** Rows: every cell but the last padded to its column's widest and two spaces. */
function renderRows(rows: readonly Extract<Tabbed, { type: 'row' }>[], first: number): string {
  const columns = Math.max(...rows.map((row) => row.cells.length));
  const widths = Array.from(
    { length: columns },
    (_, column) =>
      Math.max(
        ...rows.map((row) => (column < row.cells.length - 1 ? (row.cells[column] as string).length : 0)),
      ) + 2,
  );
  return rows
    .map((row) => {
      const last = row.cells.length - 1;
      const text = row.cells
        .map((cell, column) => {
          if (column === last) return cell;
          return column === 0 ? firstCell(row).padEnd(first) : cell.padEnd(widths[column] as number);
        })
        .join('');
      return `${text.trimEnd()}\n`;
    })
    .join('');
}
