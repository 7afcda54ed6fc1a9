/** How the progress bar draws. */
export interface ProgressOptions {
  /** Draw even when the stream is not a TTY (one line per update then). Default false. */
  force?: boolean;
  /** Where to draw. Default `process.stderr`. */
  stream?: NodeJS.WritableStream;
  /** Minimum time between redraws, in ms. Default 100. */
  intervalMs?: number;
}

/**
 * A one-line terminal progress bar: tasks done / known, rate and elapsed time. Draws only when
 * the stream is a TTY (or when forced), at most every `intervalMs`, and a final line at the end.
 */
export class ProgressBar {
  private readonly stream: NodeJS.WritableStream;
  private readonly tty: boolean;
  private readonly enabled: boolean;
  private readonly intervalMs: number;
  private readonly startedAt = Date.now();
  private lastDraw = 0;

  constructor(
    private readonly label: string,
    options: ProgressOptions,
  ) {
    this.stream = options.stream ?? process.stderr;
    this.tty = (this.stream as { isTTY?: boolean }).isTTY === true;
    this.enabled = this.tty || options.force === true;
    this.intervalMs = options.intervalMs ?? 100;
  }

  /** Redraws when enough time passed since the last draw. */
  update(done: number, known: number): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.lastDraw < this.intervalMs) return;
    this.lastDraw = now;
    this.draw(done, known, now, false);
  }

  /** Draws the final line and ends it with a newline. */
  finish(done: number, known: number, failed: boolean): void {
    if (!this.enabled) return;
    this.draw(done, known, Date.now(), true, failed);
  }

  private draw(done: number, known: number, now: number, final: boolean, failed = false): void {
    const elapsed = (now - this.startedAt) / 1000;
    const width = 24;
    const ratio = known === 0 ? 1 : Math.min(1, done / known);
    const filled = Math.round(ratio * width);
    const bar = "#".repeat(filled) + "-".repeat(width - filled);
    const rate = elapsed > 0 ? Math.round(done / elapsed) : 0;
    const state = final ? (failed ? " failed" : " done") : "";
    const line = `${this.label} [${bar}] ${done}/${known} tasks ${rate}/s ${elapsed.toFixed(1)}s${state}`;
    if (this.tty) this.stream.write(`\r\x1b[2K${line}${final ? "\n" : ""}`);
    else this.stream.write(`${line}\n`);
  }
}
