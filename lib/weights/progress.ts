/**
 * Download progress. In the kernel it is one output below the cell, redrawn in
 * place (update_display_data) with an HTML progress bar and a text line; a
 * headless run saves its last state in the executed notebook and shows it on
 * its stderr progress line (the display is marked as progress). Outside a
 * kernel it goes to stderr: one redrawn line on a terminal, a start and an
 * end line otherwise. Redraws are throttled to at most 4 a second.
 */
import { display, type DisplayHandle } from "../display/display.js";
import { host } from "../display/host.js";

/** Display metadata marking a progress report; `tensorcell run` shows such displays on its stderr progress line. */
const PROGRESS_METADATA_KEY = "tensorcell/progress";

/** The least time between two redraws. */
const REDRAW_MS = 250;

/** Where the progress of one download is shown. */
export interface DownloadProgress {
  /** Bytes received so far, of `total` when the server said (throttled). */
  update(received: number, total: number | undefined): void;
  /** Final state of a finished download: always drawn. */
  finish(line: string): void;
  /** Final state of a failed download: drawn only over progress already shown (the error itself says the rest). */
  fail(line: string): void;
}

/** A stream-like sink for the headless form (stderr by default; tests pass their own). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Formats a byte count the way the hub's pages do (decimal units): "28.6 MB". */
export function formatBytes(bytes: number): string {
  if (bytes < 1000) return `${bytes} B`;
  const units = ["kB", "MB", "GB", "TB"];
  let value = bytes;
  let unit = -1;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${value.toFixed(value < 10 ? 2 : 1)} ${units[unit]}`;
}

/** The text of one progress line: "label: 12.3 MB of 28.6 MB (43%), 4.10 MB/s". */
export function progressLine(label: string, received: number, total: number | undefined, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `, ${formatBytes(Math.round((received * 1000) / elapsedMs))}/s` : "";
  const of = total ? ` of ${formatBytes(total)} (${Math.floor((received / total) * 100)}%)` : "";
  return `${label}: ${formatBytes(received)}${of}${rate}`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

function progressHtml(line: string, received: number, total: number | undefined, done: boolean): string {
  const bar = done ? "" : `<progress ${total ? `value="${received}" max="${total}"` : ""} style="width:16em;vertical-align:middle"></progress> `;
  return `<div style="font-family:monospace">${bar}${escapeHtml(line)}</div>`;
}

/** Progress as a display below the running cell, updated in place. */
function displayProgress(label: string): DownloadProgress {
  const started = Date.now();
  let handle: DisplayHandle | undefined;
  let last = 0;
  const draw = (html: string) => {
    if (handle) handle.update(html);
    else handle = display.html(html, { metadata: { [PROGRESS_METADATA_KEY]: true } });
  };
  return {
    update(received, total) {
      const now = Date.now();
      if (handle && now - last < REDRAW_MS) return;
      last = now;
      draw(progressHtml(progressLine(label, received, total, now - started), received, total, false));
    },
    finish(line) {
      draw(progressHtml(line, 0, undefined, true));
    },
    fail(line) {
      if (handle) draw(progressHtml(line, 0, undefined, true));
    },
  };
}

/** Progress on a stream: a redrawn line on a terminal; a start and an end line otherwise (logs stay readable). */
export function streamProgress(label: string, stream: ProgressStream = process.stderr): DownloadProgress {
  const started = Date.now();
  let last = 0;
  let drawn = false;
  return {
    update(received, total) {
      const now = Date.now();
      if (drawn && now - last < REDRAW_MS) return;
      last = now;
      if (stream.isTTY) stream.write(`\r\u001b[2K${progressLine(label, received, total, now - started).slice(0, 120)}`);
      else if (!drawn) stream.write(`${label}: downloading${total ? ` ${formatBytes(total)}` : ""}\n`);
      drawn = true;
    },
    finish(line) {
      stream.write(`${stream.isTTY && drawn ? "\r\u001b[2K" : ""}${line}\n`);
    },
    fail(line) {
      if (drawn) this.finish(line);
    },
  };
}

/** The progress for the current runner: a display in a kernel cell, stderr elsewhere. */
export function downloadProgress(label: string): DownloadProgress {
  return host().onCellStop ? displayProgress(label) : streamProgress(label);
}

/** Progress that shows nothing. */
export const silentProgress: DownloadProgress = { update() {}, finish() {}, fail() {} };
