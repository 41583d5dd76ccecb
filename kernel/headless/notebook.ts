/**
 * Reading and writing nbformat 4 notebooks for the headless commands: every
 * kind of bad input becomes one readable line (a NotebookError), and writes go
 * to a temporary file that is renamed over the target, so a crash or a kill
 * never leaves a half-written notebook behind.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";

/** A cell output as nbformat 4 stores it. */
export type NotebookOutput =
  | { output_type: "stream"; name: "stdout" | "stderr"; text: string }
  | { output_type: "display_data"; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "execute_result"; execution_count: number | null; data: Record<string, unknown>; metadata: Record<string, unknown> }
  | { output_type: "error"; ename: string; evalue: string; traceback: string[] };

/** One notebook cell (nbformat 4); code cells carry outputs and an execution count. */
export interface NotebookCell {
  cell_type: "code" | "markdown" | "raw";
  id?: string;
  source: string | string[];
  metadata: Record<string, unknown> & { tags?: string[] };
  outputs?: NotebookOutput[];
  execution_count?: number | null;
  attachments?: Record<string, unknown>;
}

/** A whole notebook (nbformat 4). */
export interface Notebook {
  nbformat: number;
  nbformat_minor: number;
  metadata: Record<string, unknown>;
  cells: NotebookCell[];
}

/** Bad input: a notebook that cannot be read or is not something tensorcell runs. One line, exit code 2. */
export class NotebookError extends Error {
  override name = "NotebookError";
}

/** The cell's source as one string (nbformat allows a string or a list of lines). */
export function cellSource(cell: Pick<NotebookCell, "source">): string {
  return Array.isArray(cell.source) ? cell.source.join("") : cell.source;
}

/** The cell's tags (metadata.tags), empty when none. */
export function cellTags(cell: NotebookCell): string[] {
  const tags = cell.metadata?.tags;
  return Array.isArray(tags) ? tags.filter((t): t is string => typeof t === "string") : [];
}

/** A fresh cell id (nbformat 4.5 wants one on every cell). */
export function newCellId(): string {
  return randomBytes(4).toString("hex");
}

/** A short label for messages: "cell 4 (`const x = ...`)". */
export function cellLabel(cell: NotebookCell, index: number): string {
  const firstLine = cellSource(cell).split("\n").find((line) => line.trim() !== "") ?? "";
  const shown = firstLine.length > 50 ? `${firstLine.slice(0, 47)}...` : firstLine;
  return `cell ${index + 1}${shown ? ` (\`${shown.trim()}\`)` : ""}`;
}

/**
 * Parses notebook JSON text and checks it is a notebook tensorcell can run.
 * Throws a NotebookError with one line for: not JSON, not a notebook, nbformat
 * 3 or older, cells of an unknown type.
 */
export function parseNotebook(text: string, path: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NotebookError(`${path} is not a notebook: it is not valid JSON (${(error as Error).message.split("\n")[0]})`);
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new NotebookError(`${path} is not a notebook: expected a JSON object with "cells" and "nbformat"`);
  }
  const notebook = value as Partial<Notebook> & { worksheets?: unknown };
  if (typeof notebook.nbformat !== "number") {
    throw new NotebookError(`${path} is not a notebook: it has no "nbformat" version`);
  }
  if (notebook.nbformat < 4 || notebook.worksheets !== undefined) {
    throw new NotebookError(
      `${path} is nbformat ${notebook.nbformat}; tensorcell reads nbformat 4. Convert it with: jupyter nbconvert --to notebook --nbformat 4 ${path}`,
    );
  }
  if (notebook.nbformat > 4) throw new NotebookError(`${path} is nbformat ${notebook.nbformat}, newer than the nbformat 4 tensorcell reads`);
  if (!Array.isArray(notebook.cells)) throw new NotebookError(`${path} is not a notebook: "cells" is missing or not a list`);
  notebook.metadata ??= {};
  notebook.nbformat_minor ??= 0;
  notebook.cells.forEach((cell, index) => {
    if (!cell || typeof cell !== "object" || !["code", "markdown", "raw"].includes(cell.cell_type)) {
      throw new NotebookError(`${path}: cell ${index + 1} has unknown cell_type ${JSON.stringify(cell?.cell_type)}`);
    }
    if (typeof cell.source !== "string" && !Array.isArray(cell.source)) {
      throw new NotebookError(`${path}: cell ${index + 1} has no source`);
    }
    cell.metadata ??= {};
    if (cell.cell_type === "code") {
      cell.outputs ??= [];
      if (cell.execution_count === undefined) cell.execution_count = null;
    }
  });
  return notebook as Notebook;
}

/** Reads and checks a notebook file; a missing file or a directory is a one-line NotebookError. */
export function readNotebook(path: string): Notebook {
  if (!existsSync(path)) throw new NotebookError(`${path}: no such file`);
  if (statSync(path).isDirectory()) throw new NotebookError(`${path} is a directory, not a notebook file`);
  return parseNotebook(readFileSync(path, "utf8"), path);
}

/** The kernel a notebook asks for, from metadata.kernelspec and metadata.language_info. */
export interface KernelRequest {
  kernelName: string | undefined;
  language: string | undefined;
}

/** What the notebook's metadata says about its kernel. */
export function kernelRequest(notebook: Notebook): KernelRequest {
  const spec = notebook.metadata.kernelspec as { name?: unknown; language?: unknown } | undefined;
  const info = notebook.metadata.language_info as { name?: unknown } | undefined;
  const text = (v: unknown) => (typeof v === "string" ? v : undefined);
  return { kernelName: text(spec?.name), language: text(spec?.language) ?? text(info?.name) };
}

const TYPESCRIPT_LANGUAGES = new Set(["typescript", "javascript", "ts", "js"]);

/**
 * Checks the notebook is meant for tensorcell. A notebook with no kernelspec
 * runs as TypeScript (returns a warning line to print); one for another
 * language (e.g. Python) is refused with a NotebookError.
 */
export function checkKernel(notebook: Notebook, path: string): string | undefined {
  const { kernelName, language } = kernelRequest(notebook);
  if (language !== undefined && !TYPESCRIPT_LANGUAGES.has(language.toLowerCase())) {
    throw new NotebookError(
      `${path} is a ${language} notebook (kernel "${kernelName ?? "?"}"); tensorcell runs TypeScript notebooks only`,
    );
  }
  if (kernelName === undefined && language === undefined) {
    return `${path} has no kernelspec in its metadata; running its code cells as TypeScript`;
  }
  return undefined;
}

/**
 * The language a code cell declares for itself, when it is not the notebook's
 * (VS Code stores it as metadata.vscode.languageId; some tools use a
 * `%%python`-style cell magic). Undefined for ordinary TypeScript cells.
 */
export function foreignCellLanguage(cell: NotebookCell): string | undefined {
  const vscode = cell.metadata.vscode as { languageId?: unknown } | undefined;
  const id = typeof vscode?.languageId === "string" ? vscode.languageId.toLowerCase() : undefined;
  if (id !== undefined && !TYPESCRIPT_LANGUAGES.has(id) && id !== "typescriptreact") return id;
  const magic = /^%%(\w+)/.exec(cellSource(cell).trimStart());
  return magic ? magic[1] : undefined;
}

/** Serialises a notebook the way Jupyter does (1-space indent, trailing newline). */
export function serializeNotebook(notebook: Notebook): string {
  return JSON.stringify(notebook, null, 1) + "\n";
}

/**
 * Writes text to `path` atomically: a temporary file in the same folder, then
 * a rename, so readers see either the old or the new file, never half of one.
 */
export function writeFileAtomic(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(3).toString("hex")}.tmp`);
  try {
    writeFileSync(temporary, text);
    renameSync(temporary, path);
  } catch (error) {
    rmSync(temporary, { force: true });
    throw new NotebookError(`cannot write ${path}: ${(error as Error).message}`);
  }
}

/** Writes a notebook atomically (see writeFileAtomic). */
export function writeNotebook(path: string, notebook: Notebook): void {
  writeFileAtomic(path, serializeNotebook(notebook));
}

/** A deep copy (notebooks are plain JSON). */
export function cloneNotebook(notebook: Notebook): Notebook {
  return JSON.parse(JSON.stringify(notebook)) as Notebook;
}

/** Strips ANSI colour codes (tracebacks carry them). */
export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;]*[A-Za-z]/g, "");
}
