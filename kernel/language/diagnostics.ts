/**
 * On-demand type checking of the current cell: syntax and semantic
 * diagnostics of its virtual file, moved back to cell coordinates (1-based
 * line and column). Findings inside the generated prelude are dropped (they
 * are about the session model, not the user's code).
 */
import type * as TS from "typescript";
import type { CellView } from "./service.js";
import type { CellDiagnostic } from "./protocol.js";

/** Diagnostics of the view's cell, in source order. */
export function checkCell(view: CellView): CellDiagnostic[] {
  const { ts, service, fileName, offset, code } = view;
  const all: TS.Diagnostic[] = [...service.getSyntacticDiagnostics(fileName), ...service.getSemanticDiagnostics(fileName)];
  const lineStarts = computeLineStarts(code);
  const found: CellDiagnostic[] = [];
  for (const diagnostic of all) {
    if (diagnostic.start === undefined || diagnostic.start < offset) continue;
    const category = diagnostic.category === ts.DiagnosticCategory.Error ? "error" : diagnostic.category === ts.DiagnosticCategory.Warning ? "warning" : undefined;
    if (!category) continue;
    const { line, column } = lineAndColumn(lineStarts, diagnostic.start - offset);
    found.push({ line, column, category, code: diagnostic.code, message: ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n") });
  }
  return found.sort((a, b) => a.line - b.line || a.column - b.column);
}

/** Offsets where each line of `text` starts (after \n, \r\n or a lone \r). */
export function computeLineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\r" && text[i + 1] === "\n") i++;
    if (c === "\n" || c === "\r") starts.push(i + 1);
  }
  return starts;
}

/** 1-based line and column of `position` given the line starts. */
export function lineAndColumn(lineStarts: number[], position: number): { line: number; column: number } {
  let low = 0;
  let high = lineStarts.length - 1;
  while (low < high) {
    const middle = (low + high + 1) >> 1;
    if (lineStarts[middle] <= position) low = middle;
    else high = middle - 1;
  }
  return { line: low + 1, column: position - lineStarts[low] + 1 };
}
