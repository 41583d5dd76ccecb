import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { makeStudentVersion } from "../../../kernel/headless/grade/assign.js";
import type { SubmissionGrade } from "../../../kernel/headless/grade/grader.js";
import { HELPERS_GRADE_ID } from "../../../kernel/headless/grade/helpers.js";
import { mergeSubmission } from "../../../kernel/headless/grade/merge.js";
import { checkAssignment, stripHiddenTests, stripSolutions } from "../../../kernel/headless/grade/nbgrader.js";
import { gradesToCsv } from "../../../kernel/headless/grade/report.js";
import { kernelEnvForJobs } from "../../../kernel/headless/grade/command.js";
import { parseNotebook, serializeNotebook, type Notebook } from "../../../kernel/headless/notebook.js";

const nbgrader = (grade_id: string, extra: object) => ({ nbgrader: { grade: false, solution: false, locked: false, schema_version: 3, grade_id, ...extra } });
const code = (source: string, metadata: object = {}) => ({ cell_type: "code", metadata, source, outputs: [], execution_count: null });
const notebook = (cells: object[]): Notebook => parseNotebook(JSON.stringify({ nbformat: 4, nbformat_minor: 4, metadata: {}, cells }), "a.ipynb");

const assignment = () =>
  notebook([
    code("const data = [1, 2];", nbgrader("setup", { locked: true })),
    code("function f() {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}", nbgrader("answer", { solution: true })),
    code("assert(f() === 1);\n// BEGIN HIDDEN TESTS\nassert(f() !== 2);\n// END HIDDEN TESTS", nbgrader("test", { grade: true, locked: true, points: 2 })),
  ]);

describe("solution delimiters and nbgrader metadata", () => {
  it("replaces solutions with an indented stub and drops hidden tests", () => {
    expect(stripSolutions("function f() {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}")).toBe(
      'function f() {\n  // YOUR CODE HERE\n  throw new Error("not implemented yet: replace this line with your code");\n}',
    );
    expect(stripHiddenTests("a\n// BEGIN HIDDEN TESTS\nb\n// END HIDDEN TESTS\nc")).toBe("a\nc");
    expect(() => stripSolutions("// BEGIN SOLUTION\nx")).toThrow(/no matching/);
    expect(() => stripSolutions("// END SOLUTION")).toThrow(/without/);
  });

  it("checks grade_ids and points", () => {
    const bad = notebook([code("1", nbgrader("a", { grade: true })), code("2", nbgrader("a", { solution: true })), code("3", { nbgrader: { solution: true } })]);
    const problems = checkAssignment(bad);
    expect(problems.some((p) => /has no points/.test(p))).toBe(true);
    expect(problems.some((p) => /share grade_id "a"/.test(p))).toBe(true);
    expect(problems.some((p) => /no grade_id/.test(p))).toBe(true);
  });

  it("assign makes a read-only, solution-free student version with the helpers cell first", () => {
    const student = makeStudentVersion(assignment());
    const text = serializeNotebook(student);
    expect(text).not.toContain("return 1");
    expect(text).not.toContain("f() !== 2");
    expect(student.cells[0]!.metadata.nbgrader).toMatchObject({ grade_id: HELPERS_GRADE_ID, locked: true });
    expect(student.cells[3]!.metadata).toMatchObject({ editable: false, deletable: false });
  });

  it("the committed course release is exactly what assign produces from the source", () => {
    const source = parseNotebook(readFileSync("notebooks/course/source/cnn-shapes.ipynb", "utf8"), "source");
    const release = readFileSync("notebooks/course/release/cnn-shapes.ipynb", "utf8");
    expect(serializeNotebook(makeStudentVersion(source))).toBe(release);
  });
});

describe("merging a submission into the assignment", () => {
  it("takes answers from the student, restores edited and deleted locked cells, demotes fake graded cells", () => {
    const submission = notebook([
      code("HELPERS", nbgrader(HELPERS_GRADE_ID, { locked: true })),
      code("const data = [9];", nbgrader("setup", { locked: true })),
      code("function f() { return 1; }", nbgrader("answer", { solution: true })),
      code("assert(true)", nbgrader("fake-test", { grade: true, points: 100 })),
    ]);
    const merged = mergeSubmission(assignment(), submission);
    expect(merged.cells.map((c) => [c.role, c.gradeId, c.source])).toEqual([
      ["locked", "setup", "const data = [1, 2];"],
      ["answer", "answer", "function f() { return 1; }"],
      ["test", "test", "assert(f() === 1);\nassert(f() !== 2);"], // restored right after the cell before it in the assignment
      ["plain", undefined, "assert(true)"],
    ]);
    expect(merged.notes).toEqual([
      'locked cell "setup" was edited; the assignment\'s version was used',
      'cell with unknown grade_id "fake-test" was treated as the student\'s own code',
      'test cell "test" was deleted; restored from the assignment',
    ]);
  });
});

describe("reports", () => {
  it("writes one CSV row per graded item, quoting details", () => {
    const grade: SubmissionGrade = {
      name: "alice",
      path: "alice.ipynb",
      score: 2,
      maxScore: 5,
      notes: [],
      elapsedMs: 10,
      tests: [
        { gradeId: "t1", points: 2, maxPoints: 2, outcome: "passed", detail: "" },
        { gradeId: "t2", points: 0, maxPoints: 3, outcome: "timeout", detail: 'time limit, "train", 5 s' },
      ],
    };
    expect(gradesToCsv([grade])).toBe(
      'submission,score,max_score,grade_id,points,max_points,outcome,detail\nalice,2,5,t1,2,2,passed,\nalice,2,5,t2,0,3,timeout,"time limit, ""train"", 5 s"\n',
    );
  });
});

describe("grading kernels' threads", () => {
  it("gives each of several parallel kernels one wasm thread unless TENSORCELL_THREADS is set", () => {
    expect(kernelEnvForJobs(2, undefined, {})).toEqual({ TENSORCELL_THREADS: "1" });
    expect(kernelEnvForJobs(4, { A: "b" }, {})).toEqual({ A: "b", TENSORCELL_THREADS: "1" });
    expect(kernelEnvForJobs(1, undefined, {})).toBeUndefined();
    expect(kernelEnvForJobs(2, { TENSORCELL_THREADS: "2" }, {})).toEqual({ TENSORCELL_THREADS: "2" });
    expect(kernelEnvForJobs(2, undefined, { TENSORCELL_THREADS: "2" })).toBeUndefined();
  });
});
