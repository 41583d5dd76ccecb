/**
 * Errors as Jupyter shows them: ename, evalue and a traceback whose frames
 * point at the cells' own TypeScript lines (through each cell's source map),
 * with the offending line shown, and without the kernel's own frames.
 */
import type { TraceMap } from "@jridgewell/trace-mapping";
import type { TransformedCell } from "./transform.js";
import { lookupStackPosition, traceMapFromSegments } from "./transform/source-map.js";

/** The error fields of an `error` message and an error execute_reply. */
export interface ErrorReport {
  ename: string;
  evalue: string;
  traceback: string[];
}

const RED = "\x1b[31m";
const CYAN = "\x1b[36m";
const GREEN = "\x1b[32m";
const RESET = "\x1b[0m";

/**
 * The cells of the session by filename, to map any frame that lands in one (a
 * function defined in an early cell can throw much later). Each cell keeps only
 * its source and its encoded source map (a few hundred bytes); the decoded map
 * is built when a traceback needs it, and the last few are cached. Keeping every
 * TransformedCell cost about 5-20 KiB of heap per cell over a long session.
 */
export class CellSources {
  private readonly cells = new Map<string, { source: string; mappings: string; label: string }>();
  private readonly decoded = new Map<string, TraceMap>();
  private static readonly DECODED_CACHE = 8;

  /** Remembers a cell so later stack traces into it can be mapped. */
  add(filename: string, label: string, source: string, cell: TransformedCell): void {
    this.cells.set(filename, { source, mappings: cell.map.mappings, label });
    this.decoded.delete(filename);
  }

  /** Maps a generated position in a cell file back to the cell's source. */
  lookup(filename: string, line: number, column: number) {
    const entry = this.cells.get(filename);
    if (!entry) return undefined;
    const position = lookupStackPosition(this.traceMap(filename, entry), line, column);
    // Frames in code the transform added (the cell's wrapper) are not the user's.
    const lineText = position ? entry.source.split("\n")[position.line - 1] : undefined;
    if (!position || lineText === undefined) return null;
    return { label: entry.label, line: position.line, column: position.column, lineText };
  }

  private traceMap(filename: string, entry: { source: string; mappings: string }): TraceMap {
    let map = this.decoded.get(filename);
    if (map) {
      this.decoded.delete(filename); // re-inserted below as the most recent
    } else {
      map = traceMapFromSegments(filename, entry.source, entry.mappings);
      if (this.decoded.size >= CellSources.DECODED_CACHE) this.decoded.delete(this.decoded.keys().next().value as string);
    }
    this.decoded.set(filename, map);
    return map;
  }
}

/** Frames from these places are the kernel's own machinery, not the user's code. */
function isKernelFrame(file: string, kernelDir: string): boolean {
  const path = file.startsWith("file://") ? decodeURIComponent(new URL(file).pathname) : file;
  return path.startsWith("node:") || path.startsWith(`${kernelDir}/`) || path === "evalmachine.<anonymous>";
}

const FRAME = /^\s*at (?:async )?(?:(.*?) \()?(.*?):(\d+):(\d+)\)?$/;

/** Builds the error report for anything a cell threw. */
export function reportError(error: unknown, sources: CellSources, kernelDir: string): ErrorReport {
  if (!(error instanceof Error)) {
    const evalue = typeof error === "string" ? error : safeInspect(error);
    return { ename: "Uncaught", evalue, traceback: [`${RED}Uncaught${RESET}: ${evalue}`] };
  }
  const ename = error.name || error.constructor?.name || "Error";
  const evalue = error.message;
  const traceback = [`${RED}${ename}${RESET}: ${evalue}`];
  const stack = typeof error.stack === "string" ? error.stack.split("\n") : [];
  for (const line of stack) {
    const match = FRAME.exec(line);
    if (!match) continue;
    const [, fn, file, lineText, columnText] = match;
    if (isKernelFrame(file, kernelDir)) continue;
    const mapped = sources.lookup(file, Number(lineText), Number(columnText));
    if (mapped === null) continue;
    const where = fn && !fn.startsWith("eval") ? `${fn} ` : "";
    if (!mapped) {
      traceback.push(`    at ${where}(${file}:${lineText}:${columnText})`);
      continue;
    }
    traceback.push(`${CYAN}${mapped.label}${RESET} line ${GREEN}${mapped.line}${RESET}, column ${mapped.column}${where ? `, in ${where.trim()}` : ""}`);
    traceback.push(`    ${mapped.lineText}`);
    traceback.push(`    ${" ".repeat(Math.max(0, mapped.column - 1))}${RED}^${RESET}`);
  }
  return { ename, evalue, traceback };
}

function safeInspect(value: unknown): string {
  try {
    return String(value);
  } catch {
    return Object.prototype.toString.call(value);
  }
}
