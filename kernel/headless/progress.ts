/**
 * The progress line on stderr: "cell n of N" with elapsed time. On a terminal
 * it redraws one line as a bar; otherwise (logs, CI) it prints one line per
 * cell so the log stays readable.
 */

/** Where progress goes; a stream-like sink so tests can capture it. */
export interface ProgressSink {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Formats seconds as "4.2s" or "3m 05s". */
export function formatElapsed(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)}s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes}m ${String(Math.floor(seconds % 60)).padStart(2, "0")}s`;
}

/** A text bar like "[#####.....]" for done of total. */
export function progressBar(done: number, total: number, width = 20): string {
  const filled = total === 0 ? width : Math.round((done / total) * width);
  return `[${"#".repeat(filled)}${".".repeat(width - filled)}]`;
}

/** Progress of one notebook run. */
export class Progress {
  private readonly started = Date.now();
  private drewLine = false;

  constructor(
    private readonly total: number,
    private readonly sink: ProgressSink = process.stderr,
    private readonly enabled = true,
  ) {}

  /** Called when cell `n` (1-based, among executed cells) starts. */
  start(n: number, label: string): void {
    if (!this.enabled) return;
    const line = `${progressBar(n - 1, this.total)} cell ${n} of ${this.total}, ${formatElapsed(Date.now() - this.started)} elapsed: ${label}`;
    if (this.sink.isTTY) {
      this.sink.write(`\r\u001b[2K${line.slice(0, 120)}`);
      this.drewLine = true;
    } else {
      this.sink.write(`${line}\n`);
    }
  }

  /** Prints a note (warnings) without garbling the bar. */
  note(text: string): void {
    if (this.drewLine) this.sink.write("\n");
    this.drewLine = false;
    this.sink.write(`${text}\n`);
  }

  /** Final line: done, with the total time. */
  finish(summary: string): void {
    if (!this.enabled) return;
    if (this.drewLine) this.sink.write("\r\u001b[2K");
    this.drewLine = false;
    this.sink.write(`${progressBar(this.total, this.total)} ${summary} in ${formatElapsed(Date.now() - this.started)}\n`);
  }
}
