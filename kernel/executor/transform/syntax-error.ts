import type { Message } from "esbuild";

/**
 * A cell that cannot be transpiled: a TypeScript syntax error, or syntax a notebook cell
 * cannot support. `line` and `column` are both 1-based, ready to display ("line 3, column 7"),
 * and point into the cell's own source; `lineText` is that source line, for a caret display.
 * Its `name` is "SyntaxError" so the traceback reads like Node's own.
 */
export class CellSyntaxError extends SyntaxError {
  /** 1-based line in the cell's source. */
  readonly line: number;
  /** 1-based column in the cell's source (UTF-16 characters, as editors count). */
  readonly column: number;
  /** The full text of the offending source line, without its line break. */
  readonly lineText: string;
  /** The bare reason, without the position suffix that `message` carries. */
  readonly reason: string;

  /**
   * @param reason what is wrong, e.g. `Expected ";" but found "x"`
   * @param line 1-based line in the cell
   * @param column 1-based column in the cell
   * @param lineText the source line the error is on
   */
  constructor(reason: string, line: number, column: number, lineText: string) {
    super(`${reason} (line ${line}, column ${column})`);
    this.name = "SyntaxError";
    this.reason = reason;
    this.line = line;
    this.column = column;
    this.lineText = lineText;
  }
}

/**
 * Converts esbuild's first error into a CellSyntaxError. esbuild counts columns in UTF-8
 * bytes (0-based); editors count UTF-16 characters, so the column is converted through
 * the line's text.
 */
export function cellSyntaxErrorFromEsbuild(errors: readonly Message[], source: string): CellSyntaxError {
  const first = errors[0];
  if (!first) return new CellSyntaxError("The cell could not be transpiled", 1, 1, sourceLine(source, 1));
  const location = first.location;
  if (!location) return new CellSyntaxError(first.text, 1, 1, sourceLine(source, 1));
  const lineText = sourceLine(source, location.line);
  const characterColumn = Buffer.from(lineText, "utf8").subarray(0, location.column).toString("utf8").length;
  const notes = first.notes.map((note) => note.text).filter((text) => text.length > 0);
  const reason = notes.length > 0 ? `${first.text}. ${notes.join(". ")}` : first.text;
  return new CellSyntaxError(reason, location.line, characterColumn + 1, lineText);
}

/** The text of a 1-based line of `source` ("" when out of range). */
export function sourceLine(source: string, line: number): string {
  return source.split(/\r\n|\r|\n/)[line - 1] ?? "";
}
