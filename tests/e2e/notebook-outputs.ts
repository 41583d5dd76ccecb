/** Reading executed notebooks (nbformat 4) in tests: cells by id, their outputs by kind. */
import { readFileSync } from "node:fs";

/** One saved output of a code cell. */
export interface SavedOutput {
  output_type: "stream" | "execute_result" | "display_data" | "error";
  name?: "stdout" | "stderr";
  text?: string | string[];
  data?: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  execution_count?: number | null;
  ename?: string;
  evalue?: string;
  traceback?: string[];
}

/** One cell of a notebook file. */
export interface SavedCell {
  id?: string;
  cell_type: "code" | "markdown" | "raw";
  source: string | string[];
  execution_count?: number | null;
  outputs?: SavedOutput[];
  metadata?: Record<string, unknown>;
}

/** A notebook file's top level. */
export interface SavedNotebook {
  cells: SavedCell[];
  metadata: Record<string, unknown>;
  nbformat: number;
  nbformat_minor: number;
}

/** Reads a notebook file. */
export function readNotebook(path: string): SavedNotebook {
  return JSON.parse(readFileSync(path, "utf8")) as SavedNotebook;
}

/** Joins nbformat's "multiline string" (a string or a list of lines). */
export function joinText(text: string | string[] | undefined): string {
  return Array.isArray(text) ? text.join("") : (text ?? "");
}

/** The code cell with this id; throws naming the ids that exist. */
export function cellById(notebook: SavedNotebook, id: string): SavedCell {
  const cell = notebook.cells.find((c) => c.id === id);
  if (!cell) throw new Error(`no cell with id "${id}"; ids: ${notebook.cells.map((c) => c.id).join(", ")}`);
  return cell;
}

/** What a code cell produced, grouped the way tests check it. */
export interface CellOutputs {
  stdout: string;
  stderr: string;
  /** text/plain of the execute_result, if any. */
  result: string | undefined;
  resultData: Record<string, unknown> | undefined;
  /** data bundles of display_data outputs, in order. */
  displays: Record<string, unknown>[];
  errors: SavedOutput[];
  all: SavedOutput[];
}

/** Groups a code cell's saved outputs. */
export function outputsOf(cell: SavedCell): CellOutputs {
  const outputs = cell.outputs ?? [];
  const stream = (name: string) => outputs.filter((o) => o.output_type === "stream" && o.name === name).map((o) => joinText(o.text)).join("");
  const result = outputs.find((o) => o.output_type === "execute_result");
  return {
    stdout: stream("stdout"),
    stderr: stream("stderr"),
    result: result ? joinText(result.data?.["text/plain"] as string | string[] | undefined) : undefined,
    resultData: result?.data,
    displays: outputs.filter((o) => o.output_type === "display_data").map((o) => o.data ?? {}),
    errors: outputs.filter((o) => o.output_type === "error"),
    all: outputs,
  };
}

/** A text mime type of a bundle as one string (nbformat saves text as a list of lines). */
export function mimeText(bundle: Record<string, unknown> | undefined, mime: string): string {
  return joinText(bundle?.[mime] as string | string[] | undefined);
}

/** Removes ANSI colour codes (tracebacks carry them). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*m/g, "");
}
