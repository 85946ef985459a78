/**
 * The lines of a container log file, in the CRI logging format that container
 * runtimes write and Kubernetes' kubelet reads:
 *
 *   2024-05-01T10:00:00.123456789Z stdout F a whole line
 *   2024-05-01T10:00:01.000000000Z stderr P the start of a long line, contin
 *   2024-05-01T10:00:01.000000001Z stderr F ued here
 *
 * (time, stream, tag — P for a partial line continued by the next one, F for the full
 * or final part — and the content). A line that does not parse is sent as it is, with
 * no time: such a line is never filtered out by time nor prefixed with one.
 */

const SPACE = 0x20;
const NEWLINE = Buffer.from('\n');
const timestampShape = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;

export interface LogLine {
  /** The time as written (RFC 3339, nanoseconds); undefined for a line not in the CRI format. */
  timestamp?: string;
  /** Milliseconds since the epoch, for filtering. */
  time?: number;
  /** Continued by the next line (the P tag). */
  partial: boolean;
  content: Buffer;
}

/** Parses one line of the file, without its newline. */
export function parseLogLine(raw: Buffer): LogLine {
  const first = raw.indexOf(SPACE);
  const second = first < 0 ? -1 : raw.indexOf(SPACE, first + 1);
  const third = second < 0 ? -1 : raw.indexOf(SPACE, second + 1);
  if (third < 0) return { partial: false, content: raw };
  const timestamp = raw.subarray(0, first).toString('latin1');
  const tag = raw
    .subarray(second + 1, third)
    .toString('latin1')
    .split(':')[0];
  const time = Date.parse(timestamp);
  if (!timestampShape.test(timestamp) || Number.isNaN(time) || (tag !== 'P' && tag !== 'F')) {
    return { partial: false, content: raw };
  }
  return { timestamp, time, partial: tag === 'P', content: raw.subarray(third + 1) };
}

export interface LogFormatOptions {
  /** Prefix each line with its time. */
  readonly timestamps: boolean;
  /** Drop lines written before this time (milliseconds since the epoch). */
  readonly notBefore?: number;
  /** Stop after this many bytes of output. */
  readonly limitBytes?: number;
}

/**
 * Turns file lines into the bytes a client reads: partial lines joined, the time
 * prefixed at the start of each logical line when asked, old lines dropped, and the
 * output cut at the byte limit.
 */
export class LogFormatter {
  private continuing = false;
  private remaining: number;

  constructor(private readonly options: LogFormatOptions) {
    this.remaining = options.limitBytes ?? Number.POSITIVE_INFINITY;
  }

  /** The byte limit has been reached: nothing more will be sent. */
  get full(): boolean {
    return this.remaining <= 0;
  }

  /** Appends the output of one file line (without its newline) to `out`. */
  push(raw: Buffer, out: Buffer[]): void {
    if (this.full) return;
    const line = parseLogLine(raw);
    if (
      line.time !== undefined &&
      this.options.notBefore !== undefined &&
      line.time < this.options.notBefore
    ) {
      this.continuing = line.partial;
      return;
    }
    if (this.options.timestamps && line.timestamp !== undefined && !this.continuing) {
      this.emit(Buffer.from(`${line.timestamp} `), out);
    }
    this.emit(line.content, out);
    if (!line.partial) this.emit(NEWLINE, out);
    this.continuing = line.partial;
  }

  private emit(bytes: Buffer, out: Buffer[]): void {
    if (this.full || bytes.length === 0) return;
    const part = bytes.length > this.remaining ? bytes.subarray(0, this.remaining) : bytes;
    out.push(part);
    this.remaining -= part.length;
  }
}
