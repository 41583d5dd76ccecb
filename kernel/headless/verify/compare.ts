/**
 * Compares a cell's stored outputs with a fresh run's: stdout and stderr as
 * whole texts, then each rich output (results, displays, errors) in order.
 * Text matches after sanitising with numeric tolerance; images by pixel
 * difference; Vega-Lite and JSON by their values with tolerance; errors by
 * name and message (tracebacks carry paths and line numbers, so not compared).
 *
 * Cell tags adjust a cell's checks:
 *   verify-skip (or nbval-skip, nbval-ignore-output)  run the cell, compare nothing
 *   verify-ignore-stderr                              do not compare stderr
 *   verify-loose                                      rtol 1e-2, atol 1e-4, 5% of pixels
 * and metadata.tensorcell.verify = { rtol, atol, pixelThreshold, channelTolerance,
 * ignoreStderr, skip } sets them per cell.
 */
import { cellTags, stripAnsi, type NotebookCell, type NotebookOutput } from "../notebook.js";
import { VEGALITE_MIME } from "../html/vega.js";
import { compareImages, decodeImage, type PixelTolerance } from "./images.js";
import { sanitize } from "./sanitize.js";
import { jsonDifferences, lineDiff, textsMatch, type Tolerance } from "./tolerance.js";

/** All settings of one cell's comparison. */
export interface CompareSettings extends Tolerance, PixelTolerance {
  ignoreStderr: boolean;
  skip: boolean;
}

/** Defaults of `tensorcell verify` (overridable by options, tags and cell metadata). */
export const DEFAULT_COMPARE: Omit<CompareSettings, "sanitizers"> = {
  rtol: 1e-5,
  atol: 1e-8,
  channelTolerance: 8,
  threshold: 0.005,
  ignoreStderr: false,
  skip: false,
};

/** The tags that switch a cell's comparison off entirely. */
export const SKIP_TAGS = ["verify-skip", "nbval-skip", "nbval-ignore-output"];

/** The settings for one cell: the run's base settings adjusted by the cell's tags and metadata. */
export function cellSettings(cell: NotebookCell, base: CompareSettings): CompareSettings {
  const tags = cellTags(cell);
  const settings = { ...base };
  if (tags.some((tag) => SKIP_TAGS.includes(tag))) settings.skip = true;
  if (tags.includes("verify-ignore-stderr")) settings.ignoreStderr = true;
  if (tags.includes("verify-loose")) {
    settings.rtol = Math.max(settings.rtol, 1e-2);
    settings.atol = Math.max(settings.atol, 1e-4);
    settings.threshold = Math.max(settings.threshold, 0.05);
  }
  const meta = (cell.metadata.tensorcell as { verify?: Record<string, unknown> } | undefined)?.verify ?? {};
  const num = (key: string) => (typeof meta[key] === "number" ? (meta[key] as number) : undefined);
  settings.rtol = num("rtol") ?? settings.rtol;
  settings.atol = num("atol") ?? settings.atol;
  settings.threshold = num("pixelThreshold") ?? settings.threshold;
  settings.channelTolerance = num("channelTolerance") ?? settings.channelTolerance;
  if (typeof meta.ignoreStderr === "boolean") settings.ignoreStderr = meta.ignoreStderr;
  if (typeof meta.skip === "boolean") settings.skip = meta.skip;
  return settings;
}

/** One difference found in a cell, ready to print. */
export interface OutputDifference {
  /** What differs, e.g. "stdout", "output 2 (image/png)". */
  what: string;
  /** Diff lines ("- expected", "+ actual") or a sentence. */
  lines: string[];
}

function text(value: unknown): string {
  return Array.isArray(value) ? value.join("") : String(value ?? "");
}

function streamText(outputs: NotebookOutput[], name: "stdout" | "stderr"): string {
  return outputs
    .filter((o): o is Extract<NotebookOutput, { output_type: "stream" }> => o.output_type === "stream" && o.name === name)
    .map((o) => text(o.text))
    .join("");
}

function compareText(what: string, expected: string, actual: string, settings: CompareSettings): OutputDifference | undefined {
  const e = sanitize(expected, settings.sanitizers);
  const a = sanitize(actual, settings.sanitizers);
  if (textsMatch(e, a, settings)) return undefined;
  return { what, lines: lineDiff(e, a, settings) };
}

function compareBundle(what: string, expected: Record<string, unknown>, actual: Record<string, unknown>, settings: CompareSettings): OutputDifference[] {
  const out: OutputDifference[] = [];
  const mimes = [...new Set([...Object.keys(expected), ...Object.keys(actual)])];
  const rich = mimes.some((m) => m.startsWith("image/") || VEGALITE_MIME.test(m));
  const chart = mimes.some((m) => VEGALITE_MIME.test(m));
  for (const mime of mimes) {
    // A rich output's text/plain is a caption (often with ids), and an SVG next to a
    // Vega-Lite spec is a rendering of it: the image or the chart's data is what counts.
    if ((mime === "text/plain" && rich) || (mime === "image/svg+xml" && chart)) continue;
    const label = `${what} (${mime})`;
    if (!(mime in expected) || !(mime in actual)) {
      out.push({ what: label, lines: [mime in expected ? "missing from the new run" : "new in this run, not in the stored notebook"] });
      continue;
    }
    const e = expected[mime];
    const a = actual[mime];
    if (mime === "image/png" || mime === "image/jpeg") {
      try {
        const result = compareImages(decodeImage(text(e), mime), decodeImage(text(a), mime), settings);
        if (!result.match) out.push({ what: label, lines: [result.reason!] });
      } catch (error) {
        if (text(e) !== text(a)) out.push({ what: label, lines: [`cannot decode the image (${(error as Error).message}); the bytes differ`] });
      }
    } else if (VEGALITE_MIME.test(mime) || mime.endsWith("json")) {
      const differences = jsonDifferences(e, a, settings);
      if (differences.length) out.push({ what: label, lines: differences.map((d) => `${d.path}: ${d.expected} became ${d.actual}`) });
    } else {
      const difference = compareText(label, text(e), text(a), settings);
      if (difference) out.push(difference);
    }
  }
  return out;
}

function describe(output: NotebookOutput): string {
  return output.output_type === "error" ? `error ${output.ename}` : output.output_type;
}

/** Compares one cell's outputs; an empty list means they match. */
export function compareCellOutputs(expected: NotebookOutput[], actual: NotebookOutput[], settings: CompareSettings): OutputDifference[] {
  if (settings.skip) return [];
  const out: OutputDifference[] = [];
  for (const name of ["stdout", "stderr"] as const) {
    if (name === "stderr" && settings.ignoreStderr) continue;
    const difference = compareText(name, streamText(expected, name), streamText(actual, name), settings);
    if (difference) out.push(difference);
  }
  const richExpected = expected.filter((o) => o.output_type !== "stream");
  const richActual = actual.filter((o) => o.output_type !== "stream");
  const count = Math.max(richExpected.length, richActual.length);
  for (let i = 0; i < count; i++) {
    const e = richExpected[i];
    const a = richActual[i];
    const what = `output ${i + 1}`;
    if (!e || !a) {
      out.push({ what, lines: [e ? `- ${describe(e)} (missing from the new run)` : `+ ${describe(a!)} (not in the stored notebook)`] });
      continue;
    }
    if (e.output_type !== a.output_type) {
      out.push({ what, lines: [`- ${describe(e)}`, `+ ${describe(a)}`] });
      continue;
    }
    if (e.output_type === "error" && a.output_type === "error") {
      const difference = compareText(`${what} (error)`, `${e.ename}: ${stripAnsi(e.evalue)}`, `${a.ename}: ${stripAnsi(a.evalue)}`, settings);
      if (difference) out.push(difference);
      continue;
    }
    if ("data" in e && "data" in a) out.push(...compareBundle(what, e.data, a.data, settings));
  }
  return out;
}
