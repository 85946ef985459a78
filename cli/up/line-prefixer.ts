/**
 * Splits a child's output into lines and writes each with the child's name in
 * front (`store     | ...`), so that the interleaved output of several
 * processes stays readable. A partial line waits for its end (or for flush).
 */
export class LinePrefixer {
  private pending = '';

  constructor(
    private readonly prefix: string,
    private readonly write: (text: string) => void,
  ) {}

  push(chunk: Buffer | string): void {
    const text = this.pending + chunk.toString();
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    if (lines.length > 0) this.write(lines.map((l) => `${this.prefix}${l}\n`).join(''));
  }

  /** Writes what is left of an unterminated last line. */
  flush(): void {
    if (this.pending !== '') this.write(`${this.prefix}${this.pending}\n`);
    this.pending = '';
  }
}
