/**
 * Papermill-style parameters for TypeScript notebooks: `-p name=value` values
 * are typed (numbers, booleans, null, JSON arrays/objects, else strings) and
 * written as `const` declarations in a cell tagged `injected-parameters`,
 * placed right after the cell tagged `parameters` (or replacing an injected
 * cell from an earlier run).
 */
import { cellSource, cellTags, newCellId, NotebookError, type Notebook, type NotebookCell } from "./notebook.js";

/** A JSON value: what a parameter can hold. */
export type ParameterValue = null | boolean | number | string | ParameterValue[] | { [key: string]: ParameterValue };

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/**
 * Parses `name=value` arguments. A value that reads as JSON (`3`, `0.5`,
 * `true`, `null`, `[1,2]`, `{"a":1}`, `"quoted"`) keeps that type; anything
 * else is a string. Throws a NotebookError for a malformed argument.
 */
export function parseParameterArgs(args: readonly string[]): Record<string, ParameterValue> {
  const values: Record<string, ParameterValue> = {};
  for (const arg of args) {
    const equals = arg.indexOf("=");
    if (equals <= 0) throw new NotebookError(`parameter "${arg}" must be written name=value, e.g. -p epochs=3`);
    const name = arg.slice(0, equals).trim();
    if (!IDENTIFIER.test(name)) throw new NotebookError(`parameter name "${name}" is not a TypeScript identifier`);
    values[name] = parseParameterValue(arg.slice(equals + 1));
  }
  return values;
}

/** One value as typed JSON when it parses, else the raw string. */
export function parseParameterValue(text: string): ParameterValue {
  const trimmed = text.trim();
  if (trimmed === "") return "";
  try {
    return JSON.parse(trimmed) as ParameterValue;
  } catch {
    return text; // Not JSON: a plain string, as papermill treats unquoted text.
  }
}

/** The TypeScript type of a parameter value, e.g. `number`, `string[]`, `{ lr: number; name: string }`. */
export function typeScriptType(value: ParameterValue): string {
  if (value === null) return "null";
  if (Array.isArray(value)) {
    const members = [...new Set(value.map(typeScriptType))];
    if (members.length === 0) return "unknown[]";
    const inner = members.length === 1 ? members[0]! : members.join(" | ");
    return /[ |{]/.test(inner) ? `(${inner})[]` : `${inner}[]`;
  }
  if (typeof value === "object") {
    const fields = Object.entries(value).map(([key, v]) => `${IDENTIFIER.test(key) ? key : JSON.stringify(key)}: ${typeScriptType(v)}`);
    return fields.length ? `{ ${fields.join("; ")} }` : "Record<string, never>";
  }
  return typeof value;
}

/** The source of the injected cell: one typed `const` per parameter. */
export function parameterCellSource(values: Record<string, ParameterValue>): string {
  const lines = ["// Parameters injected by tensorcell run"];
  for (const [name, value] of Object.entries(values)) lines.push(`const ${name}: ${typeScriptType(value)} = ${JSON.stringify(value)};`);
  return lines.join("\n");
}

/** Names declared at the top level of a parameters cell (`const|let|var name`). */
export function declaredNames(source: string): string[] {
  return [...source.matchAll(/^\s*(?:export\s+)?(?:const|let|var)\s+([A-Za-z_$][A-Za-z0-9_$]*)/gm)].map((m) => m[1]!);
}

/** What injectParameters did, for messages. */
export interface InjectionReport {
  /** Index of the injected cell. */
  index: number;
  /** True when the notebook had no `parameters` cell (the cell went first, as papermill does). */
  noParametersCell: boolean;
  /** Names given on the command line that the parameters cell does not declare. */
  unknownNames: string[];
}

/**
 * Inserts (or replaces) the `injected-parameters` cell. With no `parameters`
 * cell the injected cell goes first, like papermill.
 */
export function injectParameters(notebook: Notebook, values: Record<string, ParameterValue>): InjectionReport {
  const previous = notebook.cells.findIndex((cell) => cellTags(cell).includes("injected-parameters"));
  if (previous >= 0) notebook.cells.splice(previous, 1);
  const parametersIndex = notebook.cells.findIndex((cell) => cell.cell_type === "code" && cellTags(cell).includes("parameters"));
  const cell: NotebookCell = {
    cell_type: "code",
    metadata: { tags: ["injected-parameters"] },
    source: parameterCellSource(values),
    outputs: [],
    execution_count: null,
  };
  if (notebook.nbformat_minor >= 5) cell.id = newCellId();
  const index = parametersIndex >= 0 ? parametersIndex + 1 : 0;
  notebook.cells.splice(index, 0, cell);
  const declared = parametersIndex >= 0 ? declaredNames(cellSource(notebook.cells[parametersIndex]!)) : [];
  return {
    index,
    noParametersCell: parametersIndex < 0,
    unknownNames: parametersIndex < 0 ? Object.keys(values) : Object.keys(values).filter((name) => !declared.includes(name)),
  };
}
