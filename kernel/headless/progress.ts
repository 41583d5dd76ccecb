/**
 * The progress line on stderr: "cell n of N" with elapsed time. On a terminal
 * it redraws one line as a bar; otherwise (logs, CI) it prints one line per
 * cell so the log stays readable.
 */

/**
 * Display metadata key that marks an output as a progress report (the
 * library's download progress sets it): `tensorcell run` shows its text on
 * the progress line and prints its last text when the cell ends.
 */
export const PROGRESS_METADATA_KEY = "tensorcell/progress";

/** The text/plain of a display_data / update_display_data message marked as progress, else undefined. */
export function progressDisplay(type: string, content: Record<string, unknown>): { id: string; text: string } | undefined {
  if (type !== "display_data" && type !== "update_display_data") return undefined;
  const metadata = content.metadata as Record<string, unknown> | undefined;
  const id = (content.transient as { display_id?: unknown } | undefined)?.display_id;
  const text = (content.data as Record<string, unknown> | undefined)?.["text/plain"];
  return metadata?.[PROGRESS_METADATA_KEY] && typeof id === "string" && typeof text === "string" ? { id, text } : undefined;
}

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
  private cellPrefix = "";

  constructor(
    private readonly total: number,
    private readonly sink: ProgressSink = process.stderr,
    private readonly enabled = true,
  ) {}

  /** Called when cell `n` (1-based, among executed cells) starts. */
  start(n: number, label: string): void {
    if (!this.enabled) return;
    this.cellPrefix = `${progressBar(n - 1, this.total)} cell ${n} of ${this.total}`;
    const line = `${this.cellPrefix}, ${formatElapsed(Date.now() - this.started)} elapsed: ${label}`;
    if (this.sink.isTTY) {
      this.sink.write(`\r\u001b[2K${line.slice(0, 120)}`);
      this.drewLine = true;
    } else {
      this.sink.write(`${line}\n`);
    }
  }

  /**
   * The running cell's progress report (a download): on a terminal it
   * replaces the cell's label on the redrawn line; `final` prints it as a
   * line of its own (terminal or log), for the report's last state.
   */
  detail(text: string, final = false): void {
    if (!this.enabled) return;
    if (final) return this.note(text);
    if (!this.sink.isTTY) return;
    this.sink.write(`\r\u001b[2K${`${this.cellPrefix}: ${text}`.slice(0, 120)}`);
    this.drewLine = true;
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
