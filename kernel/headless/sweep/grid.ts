/**
 * The parameter grid of `tensorcell sweep`: `-p name=values` where values is
 * `a:b` (an inclusive integer range), `a,b,c` (a list) or one value, each
 * typed as `tensorcell run -p` types it (parameters.ts). The runs are the
 * cartesian product, first parameter slowest.
 */
import { NotebookError } from "../notebook.js";
import { parseParameterArgs, parseParameterValue, type ParameterValue } from "../parameters.js";

/** One swept parameter and its values, in order. */
export interface GridAxis {
  name: string;
  values: ParameterValue[];
}

/** One run of a sweep: its parameters and the file name part naming them. */
export interface GridPoint {
  parameters: Record<string, ParameterValue>;
  /** `lr=0.1-seed=1`, safe in file names. */
  label: string;
}

const RANGE = /^\s*(-?\d+)\s*:\s*(-?\d+)\s*$/;
/** More runs than this is almost certainly a typo (1:100000). */
export const MAX_RUNS = 10_000;

/** The values of one `-p name=values` argument. */
export function parseAxisValues(name: string, text: string): ParameterValue[] {
  const range = RANGE.exec(text);
  if (range) {
    const from = Number(range[1]);
    const to = Number(range[2]);
    if (to < from) throw new NotebookError(`-p ${name}=${text}: the range is empty (write from:to with from <= to, both included)`);
    if (to - from + 1 > MAX_RUNS) throw new NotebookError(`-p ${name}=${text}: the range has ${to - from + 1} values, more than ${MAX_RUNS}`);
    return Array.from({ length: to - from + 1 }, (_, i) => from + i);
  }
  if (/^\s*-?[\d.]+\s*:\s*-?[\d.]+\s*$/.test(text)) {
    throw new NotebookError(`-p ${name}=${text}: a range takes whole numbers (from:to), e.g. seed=1:5; list decimals with commas: lr=0.1,0.01`);
  }
  const whole = text.trim();
  // A JSON array, object or quoted string is one value, commas and all.
  if (/^[[{"]/.test(whole)) {
    const value = parseParameterValue(whole);
    if (typeof value === "string" && whole.startsWith("[")) throw new NotebookError(`-p ${name}=${text}: not valid JSON; write a list of values as a,b,c`);
    return [value];
  }
  const parts = text.split(",");
  if (parts.some((part) => part.trim() === "")) {
    throw new NotebookError(`-p ${name}=${text}: ${whole === "" ? "no values (the grid is empty)" : "an empty value in the list"}; write name=a,b,c or name=from:to`);
  }
  return parts.map((part) => parseParameterValue(part.trim()));
}

/** Parses every `-p` argument of a sweep into axes; throws a one-line NotebookError for bad syntax, a repeated name or an empty grid. */
export function parseGrid(args: readonly string[]): GridAxis[] {
  if (args.length === 0) throw new NotebookError("sweep needs at least one -p name=values (e.g. -p lr=0.1,0.01 -p seed=1:3); the grid is empty");
  const axes: GridAxis[] = [];
  for (const arg of args) {
    // Name checks (name=value shape, identifier) are run's own.
    const equals = arg.indexOf("=");
    parseParameterArgs([equals > 0 ? `${arg.slice(0, equals)}=0` : arg]);
    const name = arg.slice(0, equals).trim();
    if (axes.some((axis) => axis.name === name)) throw new NotebookError(`-p ${name} is given twice; list its values in one -p ${name}=a,b,c`);
    axes.push({ name, values: parseAxisValues(name, arg.slice(equals + 1)) });
  }
  const total = axes.reduce((n, axis) => n * axis.values.length, 1);
  if (total > MAX_RUNS) throw new NotebookError(`the grid has ${total} runs, more than ${MAX_RUNS}`);
  return axes;
}

/** A value as it appears in a file name: only letters, digits, `.`, `-`, `+` and `_`. */
export function safeValue(value: ParameterValue): string {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  const safe = text.replace(/[^A-Za-z0-9.+-]+/g, "_").replace(/^_+|_+$/g, "");
  return safe.slice(0, 40) || "_";
}

/** The cartesian product of the axes, first axis slowest, with unique file-name labels. */
export function gridPoints(axes: readonly GridAxis[]): GridPoint[] {
  let points: Record<string, ParameterValue>[] = [{}];
  for (const axis of axes) points = points.flatMap((point) => axis.values.map((value) => ({ ...point, [axis.name]: value })));
  const seen = new Map<string, number>();
  return points.map((parameters) => {
    let label = Object.entries(parameters).map(([name, value]) => `${name}=${safeValue(value)}`).join("-");
    const count = seen.get(label) ?? 0;
    seen.set(label, count + 1);
    if (count > 0) label = `${label}-${count + 1}`; // two values that read the same once made safe
    return { parameters, label };
  });
}
