/**
 * stdout/stderr of cells become `stream` messages on iopub. Writes are
 * coalesced per (cell, stream) and flushed on the next turn of the event loop,
 * before any other output of the kernel, and at the end of every request, so
 * a cell printing 100,000 lines sends a few large messages, in order.
 */
import { currentCell } from "./cell-context.js";

/** Publishes one iopub message for a parent header. */
export type Publish = (msgType: string, content: Record<string, unknown>, parent: Record<string, unknown>) => void;

/** Above this many buffered characters a stream flushes at once. */
const FLUSH_AT = 256 * 1024;
/** A cell that prints from a loop that never yields still shows output at this interval (ms). */
const FLUSH_EVERY_MS = 100;

type StreamName = "stdout" | "stderr";
type WriteArgs = [chunk: unknown, encoding?: unknown, callback?: unknown];

/** Captures process.stdout/stderr writes for the kernel's iopub channel. */
export class StreamCapture {
  private pending: { name: StreamName; parent: Record<string, unknown>; text: string } | undefined;
  private scheduled = false;
  private lastFlush = 0;
  private readonly decoders = { stdout: new TextDecoder("utf-8"), stderr: new TextDecoder("utf-8") };
  /** The real stderr, for the kernel's own log lines. */
  readonly kernelLog: (line: string) => void;

  constructor(private readonly publish: Publish, private readonly setImmediateOriginal: typeof setImmediate) {
    const realStderrWrite = process.stderr.write.bind(process.stderr);
    this.kernelLog = (line) => void realStderrWrite(`tensorcell: ${line}\n`);
    this.capture("stdout");
    this.capture("stderr");
  }

  private capture(name: StreamName): void {
    const stream = process[name];
    const write = (...[chunk, encoding, callback]: WriteArgs): boolean => {
      const text =
        typeof chunk === "string"
          ? chunk
          : chunk instanceof Uint8Array
            ? this.decoders[name].decode(chunk, { stream: true }) // invalid bytes become U+FFFD
            : String(chunk);
      this.write(name, text);
      const done = typeof encoding === "function" ? encoding : callback;
      if (typeof done === "function") this.setImmediateOriginal(() => (done as () => void)());
      return true;
    };
    // Node's Console looks up stream.write on every call, so replacing the
    // method redirects console.* too, including consoles a cell creates.
    Object.defineProperty(stream, "write", { value: write, writable: true, configurable: true });
  }

  /** Adds text to the given stream of the current cell. */
  write(name: StreamName, text: string): void {
    const cell = currentCell();
    if (!cell || cell.silent || !text) return;
    if (this.pending && (this.pending.name !== name || this.pending.parent !== cell.parent)) this.flush();
    if (this.pending) this.pending.text += text;
    else this.pending = { name, parent: cell.parent, text };
    if (this.pending.text.length >= FLUSH_AT || performance.now() - this.lastFlush > FLUSH_EVERY_MS) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      this.setImmediateOriginal(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Sends buffered text now; call before publishing any other output. */
  flush(): void {
    const pending = this.pending;
    this.pending = undefined;
    this.lastFlush = performance.now();
    if (pending) this.publish("stream", { name: pending.name, text: pending.text }, pending.parent);
  }
}
