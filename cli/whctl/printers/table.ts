/**
 * Column alignment as kubectl's tabwriter does it: each column as wide as its
 * widest cell plus three spaces, the last one unpadded. A writer remembers its
 * widths so that rows printed later (a watch) line up with the header.
 */
const GAP = 3;

export class TableWriter {
  private widths: number[] = [];

  /** Renders rows (the header is just the first row), widening columns as needed. */
  render(rows: readonly (readonly string[])[]): string {
    for (const row of rows) {
      row.forEach((cell, i) => {
        this.widths[i] = Math.max(this.widths[i] ?? 0, cell.length);
      });
    }
    return rows
      .map((row) =>
        row
          .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd((this.widths[i] ?? 0) + GAP)))
          .join(''),
      )
      .map((line) => `${line}\n`)
      .join('');
  }
}

export function renderTable(rows: readonly (readonly string[])[]): string {
  return new TableWriter().render(rows);
}
