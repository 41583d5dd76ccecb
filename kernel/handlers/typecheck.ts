/**
 * Type checking on demand. Never blocks a cell by default: in "warn" mode
 * type errors are shown as a warning display above the cell's output; in
 * "strict" mode (for courses that want it) they fail the cell before it runs.
 * A `%check` first line checks one cell whatever the mode.
 */
import type { CellDiagnostic } from "../language/client.js";

/** off: no checking; warn: report type errors as a warning; strict: type errors fail the cell. */
export type TypeCheckMode = "off" | "warn" | "strict";

/** The type checker the kernel uses (kernel/language's client implements it). */
export interface TypeChecker {
  check(code: string): Promise<CellDiagnostic[]>;
}

/** A cell refused in strict mode because it does not type-check. */
export class TypeCheckError extends Error {
  override name = "TypeCheckError";
}

/** Parses a mode from the CLI, the environment or a cell (`tensorcell.typecheck(true | false | "strict")`). */
export function parseTypeCheckMode(value: unknown): TypeCheckMode {
  if (value === true || value === "warn" || value === "on") return "warn";
  if (value === false || value === "off" || value === undefined || value === "") return "off";
  if (value === "strict") return "strict";
  throw new Error(`type checking mode must be true, false or "strict" (or off/warn/strict), got ${JSON.stringify(value)}`);
}

const DIRECTIVE = /^[ \t]*%check[ \t]*(?:\r?\n|$)/;

/** Splits a leading `%check` directive off a cell; the line is kept blank so line numbers stay the cell's own. */
export function takeCheckDirective(code: string): { code: string; forced: boolean } {
  const match = DIRECTIVE.exec(code);
  if (!match) return { code, forced: false };
  return { code: match[0].endsWith("\n") ? "\n" + code.slice(match[0].length) : code.slice(match[0].length), forced: true };
}

/** Formats diagnostics with cell-relative line:column, one per line. */
export function formatDiagnostics(diagnostics: CellDiagnostic[]): string {
  return diagnostics.map((d) => `line ${d.line}:${d.column} ${d.category}: ${d.message}`).join("\n");
}

/** The session's type-checking setting and the check run before a cell. */
export class CellTypeChecking {
  constructor(
    public mode: TypeCheckMode,
    private readonly checker: () => TypeChecker,
  ) {}

  /**
   * Checks a cell if the mode (or a %check directive) asks for it. Publishes a warning display,
   * or in strict mode throws TypeCheckError so the cell fails without running.
   */
  async run(code: string, forced: boolean, publish: (msgType: string, content: Record<string, unknown>) => void): Promise<void> {
    if (this.mode === "off" && !forced) return;
    const diagnostics = (await this.checker().check(code)).filter((d) => d.category === "error" || this.mode === "strict");
    if (!diagnostics.length) return;
    const text = formatDiagnostics(diagnostics);
    if (this.mode === "strict") throw new TypeCheckError(`the cell does not type-check (strict mode):\n${text}`);
    const html = `<div style="border-left:3px solid #e0a800;padding:2px 8px;background:#fff8e1"><b>Type check</b> (the cell still runs)<pre>${escapeHtml(text)}</pre></div>`;
    publish("display_data", { data: { "text/plain": `Type check (the cell still runs):\n${text}`, "text/html": html }, metadata: {}, transient: {} });
  }
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}
