/**
 * The text of a `describe`: `Key:  value` lines at indent levels, with the values of
 * neighbouring pairs at one level lined up, as kubectl's tab-aligned describers print.
 */
type Line =
  | { readonly level: number; readonly type: 'pair'; readonly key: string; readonly value: string }
  | { readonly level: number; readonly type: 'heading' | 'text'; readonly text: string };

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

  /** A line printed as it is (table rows, free text). */
  text(level: number, text: string): this {
    this.lines.push({ level, type: 'text', text });
    return this;
  }

  /** Rows as columns two spaces apart (the first row is the header), each row one text line. */
  table(level: number, rows: readonly (readonly string[])[]): this {
    const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
    for (const row of rows)
      this.text(
        level,
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((widths[i] ?? 0) + 2)))
          .join('')
          .trimEnd(),
      );
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
      const indent = '  '.repeat(line.level);
      if (line.type !== 'pair') {
        out += `${indent}${line.text}\n`;
        i++;
        continue;
      }
      // A run of pairs at one level shares its value column.
      let end = i;
      while (end < this.lines.length) {
        const next = this.lines[end] as Line;
        if (next.type !== 'pair' || next.level !== line.level) break;
        end++;
      }
      const run = this.lines.slice(i, end) as Extract<Line, { type: 'pair' }>[];
      const width = Math.max(...run.map((l) => l.key.length)) + 2;
      for (const pair of run) out += `${indent}${pair.key.padEnd(width)}${pair.value}\n`;
      i = end;
    }
    return out;
  }
}
