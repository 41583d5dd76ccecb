/**
 * Builds the notebook that is actually graded from the assignment and one
 * submission. Roles come from the assignment, never from the submission:
 * answer cells take the student's source (matched by grade_id); test and
 * locked cells always take the assignment's source, so edited or deleted
 * ones are restored (deleted ones at their place after the previous known
 * cell); the student's own extra cells are kept as plain code, with any
 * nbgrader metadata they claim removed.
 */
import { cellSource, type Notebook, type NotebookCell } from "../notebook.js";
import { HELPERS_GRADE_ID } from "./helpers.js";
import { cellRole, gradeId, keepSolutions, stripHiddenTests, stripSolutions, type CellRole } from "./nbgrader.js";

/** One cell of the graded notebook, with its role from the assignment. */
export interface GradedCell {
  /** The role in the assignment ("plain" for the student's extra cells). */
  role: CellRole;
  gradeId?: string;
  /** The source that runs. */
  source: string;
  cellType: NotebookCell["cell_type"];
  /** Points of a test or manual cell. */
  points: number;
}

/** The merge result: cells in run order plus notes for the report. */
export interface MergedSubmission {
  cells: GradedCell[];
  /** What was restored or ignored, e.g. 'locked cell "load-data" was edited; the assignment\'s version was used'. */
  notes: string[];
}

function points(cell: NotebookCell): number {
  const value = (cell.metadata.nbgrader as { points?: unknown } | undefined)?.points;
  return typeof value === "number" && Number.isFinite(value) ? value : 0;
}

/** The assignment cell's source as graded: solutions kept for test/locked cells (hidden-test delimiters dropped). */
function assignmentSource(cell: NotebookCell): string {
  return keepSolutions(cellSource(cell));
}

function normalised(text: string): string {
  return text.replace(/\r\n/g, "\n").trim();
}

/** Merges a submission into the assignment's structure (see the module comment). */
export function mergeSubmission(assignment: Notebook, submission: Notebook): MergedSubmission {
  const notes: string[] = [];
  const known = new Map<string, NotebookCell>();
  for (const cell of assignment.cells) {
    const id = gradeId(cell);
    if (id && cellRole(cell) !== "plain") known.set(id, cell);
  }
  const fromAssignment = (cell: NotebookCell): GradedCell => ({
    role: cellRole(cell),
    gradeId: gradeId(cell),
    source: cellRole(cell) === "answer" || cellRole(cell) === "manual" ? stripSolutions(cellSource(cell)) : assignmentSource(cell),
    cellType: cell.cell_type,
    points: points(cell),
  });
  const used = new Set<string>();
  const merged: GradedCell[] = [];
  for (const cell of submission.cells) {
    const id = gradeId(cell);
    // The student version's helpers cell: the grader defined its own frozen helpers already.
    if (id === HELPERS_GRADE_ID && !known.has(id)) continue;
    const original = id ? known.get(id) : undefined;
    if (!id || !original || used.has(id)) {
      if (id && used.has(id)) notes.push(`a second cell with grade_id "${id}" was treated as the student's own code`);
      else if (id && !original && cellRole(cell) !== "plain") notes.push(`cell with unknown grade_id "${id}" was treated as the student's own code`);
      if (cell.cell_type === "code") merged.push({ role: "plain", source: cellSource(cell), cellType: "code", points: 0 });
      continue;
    }
    used.add(id);
    const role = cellRole(original);
    if (role === "answer" || role === "manual") {
      merged.push({ role, gradeId: id, source: cellSource(cell), cellType: original.cell_type, points: points(original) });
    } else {
      const studentView = stripSolutions(stripHiddenTests(cellSource(original)));
      if (normalised(cellSource(cell)) !== normalised(studentView) && normalised(cellSource(cell)) !== normalised(assignmentSource(original))) {
        notes.push(`${role} cell "${id}" was edited; the assignment's version was used`);
      }
      merged.push(fromAssignment(original));
    }
  }
  // Put back deleted cells, each after the cell that precedes it in the assignment.
  let previousId: string | undefined;
  for (const cell of assignment.cells) {
    const id = gradeId(cell);
    if (!id || !known.has(id)) continue;
    if (!used.has(id)) {
      const role = cellRole(cell);
      notes.push(role === "answer" ? `answer cell "${id}" was deleted; graded as unanswered` : `${role} cell "${id}" was deleted; restored from the assignment`);
      const after = previousId === undefined ? -1 : merged.findIndex((c) => c.gradeId === previousId);
      merged.splice(after + 1, 0, fromAssignment(cell));
      used.add(id);
    }
    previousId = id;
  }
  return { cells: merged, notes };
}
