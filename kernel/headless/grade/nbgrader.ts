/**
 * nbgrader-compatible cell metadata and TypeScript solution delimiters.
 *
 * Cells carry nbgrader's `metadata.nbgrader` = { grade, grade_id, points,
 * solution, locked, schema_version }:
 *   solution: true, grade: false   an answer cell the student writes (autograded by later tests)
 *   grade: true, solution: false   a test cell worth `points` (locked)
 *   grade: true, solution: true    an answer graded by hand (reported as "manual")
 *   locked: true                   a read-only cell (restored from the assignment when graded)
 * In source, `// BEGIN SOLUTION` ... `// END SOLUTION` marks the instructor's
 * answer, and `// BEGIN HIDDEN TESTS` ... `// END HIDDEN TESTS` tests that the
 * student version must not show.
 */
import { cellSource, type Notebook, type NotebookCell } from "../notebook.js";

/** nbgrader's cell metadata (schema version 3). */
export interface NbgraderMetadata {
  grade?: boolean;
  grade_id?: string;
  points?: number;
  solution?: boolean;
  locked?: boolean;
  task?: boolean;
  schema_version?: number;
}

/** The role of a cell in grading. */
export type CellRole = "answer" | "test" | "manual" | "locked" | "plain";

/** The cell's nbgrader metadata, or undefined. */
export function nbgraderOf(cell: NotebookCell): NbgraderMetadata | undefined {
  const meta = cell.metadata.nbgrader;
  return meta && typeof meta === "object" ? (meta as NbgraderMetadata) : undefined;
}

/** What a cell is for in grading. */
export function cellRole(cell: NotebookCell): CellRole {
  const meta = nbgraderOf(cell);
  if (!meta) return "plain";
  if (meta.solution && meta.grade) return "manual";
  if (meta.solution) return "answer";
  if (meta.grade) return "test";
  if (meta.locked) return "locked";
  return "plain";
}

/** The grade_id of a cell, if any. */
export function gradeId(cell: NotebookCell): string | undefined {
  const id = nbgraderOf(cell)?.grade_id;
  return typeof id === "string" && id !== "" ? id : undefined;
}

/** Points of a test cell (0 when absent or not a number). */
export function pointsOf(cell: NotebookCell): number {
  const points = nbgraderOf(cell)?.points;
  return typeof points === "number" && Number.isFinite(points) ? points : 0;
}

/** Checks an assignment's nbgrader metadata; returns one line per problem (empty when fine). */
export function checkAssignment(notebook: Notebook): string[] {
  const problems: string[] = [];
  const seen = new Map<string, number>();
  notebook.cells.forEach((cell, index) => {
    const role = cellRole(cell);
    if (role === "plain") return;
    const id = gradeId(cell);
    if (!id) {
      problems.push(`cell ${index + 1} has nbgrader metadata but no grade_id; give every graded, answer or locked cell a unique grade_id`);
      return;
    }
    if (seen.has(id)) problems.push(`cells ${seen.get(id)! + 1} and ${index + 1} share grade_id "${id}"; grade_ids must be unique`);
    seen.set(id, index);
    if ((role === "test" || role === "manual") && pointsOf(cell) <= 0) problems.push(`test cell "${id}" (cell ${index + 1}) has no points`);
    if (role === "test" && cell.cell_type !== "code") problems.push(`test cell "${id}" (cell ${index + 1}) is not a code cell`);
  });
  return problems;
}

const BEGIN_SOLUTION = /^([ \t]*)\/\/\s*BEGIN SOLUTION\b.*$/;
const END_SOLUTION = /^[ \t]*\/\/\s*END SOLUTION\b.*$/;
const BEGIN_HIDDEN = /^[ \t]*\/\/\s*BEGIN HIDDEN TESTS\b.*$/;
const END_HIDDEN = /^[ \t]*\/\/\s*END HIDDEN TESTS\b.*$/;

/** The stub that replaces a solution region in the student version. */
export const SOLUTION_STUB = ['// YOUR CODE HERE', 'throw new Error("not implemented yet: replace this line with your code");'];

/** Thrown for unbalanced delimiters; one line naming the cell. */
export class DelimiterError extends Error {
  override name = "DelimiterError";
}

/**
 * Replaces each `// BEGIN SOLUTION` ... `// END SOLUTION` region with the
 * stub (at the marker's indentation). Returns the source unchanged when it
 * has no markers; throws a DelimiterError for unbalanced ones.
 */
export function stripSolutions(source: string, where = "a cell"): string {
  const out: string[] = [];
  let inside: string | undefined;
  for (const line of source.split("\n")) {
    const begin = BEGIN_SOLUTION.exec(line);
    if (begin) {
      if (inside !== undefined) throw new DelimiterError(`${where}: "// BEGIN SOLUTION" inside another solution region`);
      inside = begin[1]!;
      out.push(...SOLUTION_STUB.map((stub) => inside + stub));
    } else if (END_SOLUTION.test(line)) {
      if (inside === undefined) throw new DelimiterError(`${where}: "// END SOLUTION" without a "// BEGIN SOLUTION"`);
      inside = undefined;
    } else if (inside === undefined) {
      out.push(line);
    }
  }
  if (inside !== undefined) throw new DelimiterError(`${where}: "// BEGIN SOLUTION" has no matching "// END SOLUTION"`);
  return out.join("\n");
}

/** Removes `// BEGIN HIDDEN TESTS` ... `// END HIDDEN TESTS` regions (student version). */
export function stripHiddenTests(source: string, where = "a cell"): string {
  const out: string[] = [];
  let inside = false;
  for (const line of source.split("\n")) {
    if (BEGIN_HIDDEN.test(line)) {
      if (inside) throw new DelimiterError(`${where}: nested "// BEGIN HIDDEN TESTS"`);
      inside = true;
    } else if (END_HIDDEN.test(line)) {
      if (!inside) throw new DelimiterError(`${where}: "// END HIDDEN TESTS" without a "// BEGIN HIDDEN TESTS"`);
      inside = false;
    } else if (!inside) {
      out.push(line);
    }
  }
  if (inside) throw new DelimiterError(`${where}: "// BEGIN HIDDEN TESTS" has no matching "// END HIDDEN TESTS"`);
  return out.join("\n");
}

/** Removes only the delimiter lines, keeping the solution code (what the grader runs for the source version). */
export function keepSolutions(source: string): string {
  return source
    .split("\n")
    .filter((line) => !BEGIN_SOLUTION.test(line) && !END_SOLUTION.test(line) && !BEGIN_HIDDEN.test(line) && !END_HIDDEN.test(line))
    .join("\n");
}

/** True when a source contains solution delimiters. */
export function hasSolutionMarkers(source: string): boolean {
  return source.split("\n").some((line) => BEGIN_SOLUTION.test(line));
}
