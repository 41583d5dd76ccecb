/**
 * `tensorcell assign SOURCE.ipynb [-o STUDENT.ipynb]`: the student version of
 * an assignment. Solution regions become a stub, hidden-test regions vanish,
 * outputs and run metadata are cleared, and test and locked cells are marked
 * read-only for JupyterLab (editable/deletable false) as well as for nbgrader.
 */
import { EXIT } from "../exit-codes.js";
import { cellLabel, cellSource, cloneNotebook, NotebookError, readNotebook, writeNotebook, type Notebook } from "../notebook.js";
import { HeadlessUsageError, parseOptions } from "../options.js";
import { HELPERS_GRADE_ID, helpersCellSource } from "./helpers.js";
import { cellRole, checkAssignment, DelimiterError, gradeId, nbgraderOf, stripHiddenTests, stripSolutions } from "./nbgrader.js";

/** --help text of `tensorcell assign`. */
export const ASSIGN_HELP = `usage: tensorcell assign SOURCE.ipynb [-o STUDENT.ipynb]
Makes the student version of an assignment (default output: SOURCE.student.ipynb):
  - "// BEGIN SOLUTION" ... "// END SOLUTION" regions become
      // YOUR CODE HERE
      throw new Error("not implemented yet: ...");
  - "// BEGIN HIDDEN TESTS" ... "// END HIDDEN TESTS" regions are removed
  - outputs, execution counts and run metadata are cleared
  - test and locked cells (nbgrader metadata) become read-only (editable/deletable false)
  - a read-only first code cell defines the test helpers (assert, assertEqual, assertClose,
    assertThrows) so visible tests run in any frontend; the grader uses its own copy
Cell metadata follows nbgrader: metadata.nbgrader = {grade, grade_id, points, solution, locked};
every graded, answer or locked cell needs a unique grade_id.
exit codes: 0 written, 2 bad input (unbalanced delimiters, missing grade_id, unreadable notebook)`;

/** Builds the student version of an assignment notebook (the input is not modified). */
export function makeStudentVersion(source: Notebook, path = "assignment"): Notebook {
  const problems = checkAssignment(source);
  if (problems.length) throw new NotebookError(`${path}: ${problems[0]}${problems.length > 1 ? ` (and ${problems.length - 1} more problems)` : ""}`);
  const student = cloneNotebook(source);
  student.cells.forEach((cell, index) => {
    const where = `${path}, ${cellLabel(cell, index)}`;
    try {
      let text = stripSolutions(cellSource(cell), where);
      if (cellRole(cell) === "test" || cellRole(cell) === "locked") text = stripHiddenTests(text, where);
      cell.source = text;
    } catch (error) {
      if (error instanceof DelimiterError) throw new NotebookError(error.message);
      throw error;
    }
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
      delete cell.metadata.execution;
    }
    const meta = nbgraderOf(cell);
    if (meta && (cellRole(cell) === "test" || meta.locked)) {
      meta.locked = true;
      cell.metadata.editable = false;
      cell.metadata.deletable = false;
    }
  });
  if (student.cells.some((cell) => cellRole(cell) === "test") && !student.cells.some((cell) => gradeId(cell) === HELPERS_GRADE_ID)) {
    const firstCode = student.cells.findIndex((cell) => cell.cell_type === "code");
    student.cells.splice(firstCode < 0 ? student.cells.length : firstCode, 0, {
      cell_type: "code",
      ...(student.nbformat_minor >= 5 ? { id: HELPERS_GRADE_ID } : {}),
      metadata: {
        nbgrader: { grade: false, grade_id: HELPERS_GRADE_ID, locked: true, schema_version: 3, solution: false, task: false },
        editable: false,
        deletable: false,
        jupyter: { source_hidden: true },
        tags: ["tensorcell-test-helpers"],
      },
      source: helpersCellSource(),
      outputs: [],
      execution_count: null,
    });
  }
  const tensorcell = student.metadata.tensorcell as Record<string, unknown> | undefined;
  if (tensorcell) {
    delete tensorcell.run;
    delete tensorcell.environment;
    if (Object.keys(tensorcell).length === 0) delete student.metadata.tensorcell;
  }
  return student;
}

/** Runs `tensorcell assign ARGS`; resolves to the exit code. */
export async function assignCommand(args: string[]): Promise<number> {
  const { values, positionals } = parseOptions(args, { o: { type: "string", short: "o" } });
  if (positionals.length !== 1) throw new HeadlessUsageError("assign needs exactly one SOURCE.ipynb (see tensorcell assign --help)");
  const path = positionals[0]!;
  const student = makeStudentVersion(readNotebook(path), path);
  const out = (values.o as string | undefined) ?? path.replace(/(\.ipynb)?$/, ".student.ipynb");
  writeNotebook(out, student);
  process.stderr.write(`tensorcell: wrote the student version to ${out}\n`);
  return EXIT.ok;
}
