/**
 * is_complete_request for TypeScript cells: lets console frontends (jupyter console, qtconsole)
 * decide whether Enter runs the cell or starts a new line. The parser decides, not hand-written
 * bracket counting: esbuild reports errors at the end of the input ("Unexpected end of file",
 * "Expected "}" but found end of file") exactly when more text could still complete the cell.
 */
import { transformSync } from "esbuild";
import { isEsbuildFailure } from "./transform/transpile.js";

/** Reply fields of is_complete_reply (Jupyter messaging spec 5.x). */
export interface CompletenessReport {
  /** "complete": run it; "incomplete": wait for more lines; "invalid": run it to show the error. */
  status: "complete" | "incomplete" | "invalid";
  /** Only with "incomplete": the whitespace to start the next line with. */
  indent?: string;
}

const INDENT_STEP = "  ";

/** Parses `source` as TypeScript; returns esbuild's first error text, or undefined when it parses. */
function firstError(source: string): string | undefined {
  try {
    transformSync(source, { loader: "ts", logLevel: "silent", tsconfigRaw: { compilerOptions: { verbatimModuleSyntax: true } } });
    return undefined;
  } catch (error) {
    if (!isEsbuildFailure(error)) throw error;
    return error.errors[0]?.text ?? "The cell could not be parsed";
  }
}

/** Errors that mean "the input stopped too early", as opposed to "the input is wrong". */
function meansEndOfInput(message: string): boolean {
  return message.includes("end of file") || message.includes('Expected "*/" to terminate multi-line comment');
}

/**
 * A string literal cut off at the end: incomplete when it is a template literal (which may span
 * lines) or a quoted string continued with a trailing backslash; otherwise the line is wrong.
 */
function unterminatedStringIsIncomplete(source: string): boolean {
  if (/\\\r?\n?$/.test(source)) return true;
  const closed = firstError(`${source}\``);
  return closed === undefined || meansEndOfInput(closed);
}

/** The indent for the next line: the last line's indent, plus a step after an opening bracket. */
function nextIndent(source: string): string {
  const lines = source.split(/\r\n|\r|\n/);
  const lastLine = [...lines].reverse().find((line) => line.trim().length > 0) ?? "";
  const indent = /^[ \t]*/.exec(lastLine)?.[0] ?? "";
  const opensBlock = /[{([]\s*$/.test(lastLine) || /=>\s*$/.test(lastLine);
  return opensBlock ? indent + INDENT_STEP : indent;
}

/**
 * Classifies a cell for is_complete_request: "incomplete" for unclosed brackets, strings that
 * may continue (template literals), block comments and trailing operators (with the indent for
 * the next line), "invalid" for real syntax errors, "complete" otherwise (empty source included).
 */
export function isComplete(source: string): CompletenessReport {
  if (source.trim().length === 0) return { status: "complete" };
  const error = firstError(source);
  if (error === undefined) return { status: "complete" };
  const incomplete =
    meansEndOfInput(error) || (error.startsWith("Unterminated string literal") && unterminatedStringIsIncomplete(source));
  if (!incomplete) return { status: "invalid" };
  return { status: "incomplete", indent: nextIndent(source) };
}
