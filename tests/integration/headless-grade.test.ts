/**
 * `tensorcell grade` and `assign` (issue 7): the course example's three
 * submissions get the expected scores, with the limit or test that fired in
 * the report; memory limits and dying kernels are survived; the student
 * version comes from assign.
 */
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, tensorcell } from "./headless-cli.js";

type Report = { submissions: { name: string; score: number; maxScore: number; notes: string[]; tests: { gradeId: string; outcome: string; points: number; detail: string }[] }[] };

describe("tensorcell grade on the course example", () => {
  it("scores correct 8/8, partly correct 6/8 and the infinite loop 5/8, saying which test or limit fired", async () => {
    const out = tempDir();
    const course = resolve("notebooks/course");
    const args = ["grade", join(course, "source/cnn-shapes.ipynb"), join(course, "submissions"), "--tests", join(course, "hidden-tests"), "--timeout", "10", "--jobs", "2", "-q"];
    const json = await tensorcell([...args, "-o", join(out, "grades.json")], { timeoutMs: 180_000 });
    expect(json.code, json.stderr).toBe(0);
    const report = JSON.parse(readFileSync(join(out, "grades.json"), "utf8")) as Report;
    const by = Object.fromEntries(report.submissions.map((s) => [s.name, s]));
    expect(Object.fromEntries(report.submissions.map((s) => [s.name, `${s.score}/${s.maxScore}`]))).toEqual({
      correct: "8/8",
      partial: "6/8",
      "infinite-loop": "5/8",
    });
    // The correct submission writes a warning to stderr: no points lost.
    expect(by.correct!.tests.every((t) => t.outcome === "passed")).toBe(true);
    // Partial: tried to replace assert/assertEqual (ignored), edited and deleted test cells (restored); a hidden test caught the bug.
    const minmax = by.partial!.tests.find((t) => t.gradeId === "test-minmax")!;
    expect(minmax).toMatchObject({ outcome: "failed", points: 0 });
    expect(minmax.detail).toMatch(/^hidden test "test-minmax" failed: AssertionError: all values equal/);
    expect(by.partial!.notes).toEqual(['test cell "test-model" was edited; the assignment\'s version was used', 'test cell "test-train" was deleted; restored from the assignment']);
    // Infinite loop: interrupted after 10 s, grading went on, and the failing test says why.
    const train = by["infinite-loop"]!.tests.find((t) => t.gradeId === "test-train")!;
    expect(train.detail).toMatch(/history is not defined \(after: answer cell "train" hit a limit: time limit of 10 s exceeded; the cell was interrupted\)/);
    expect(json.stdout).toMatch(/infinite-loop +5 \/ 8 /);
  }, 240_000);
});

describe("limits and the student version", () => {
  const nbg = (grade_id: string, extra: object) => ({ nbgrader: { grade: false, solution: false, locked: false, schema_version: 3, grade_id, ...extra } });
  const code = (id: string, source: string, metadata: object) => ({ cell_type: "code", id, metadata, source, outputs: [], execution_count: null });
  const write = (path: string, cells: object[]) =>
    writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tensorcell", language: "typescript", display_name: "TS" } }, cells }));

  it("assign strips solutions; grading survives a memory hog and a killed kernel, naming each limit", async () => {
    const dir = tempDir();
    const source = join(dir, "source.ipynb");
    write(source, [
      code("a1", "function one(): number {\n  // BEGIN SOLUTION\n  return 1;\n  // END SOLUTION\n}", nbg("a1", { solution: true })),
      code("t1", "assertEqual(one(), 1);", nbg("t1", { grade: true, locked: true, points: 1 })),
      code("a2", "const two = 2; // BEGIN SOLUTION is only a marker at line start", nbg("a2", { solution: true })),
      code("t2", "assertEqual(two, 2);", nbg("t2", { grade: true, locked: true, points: 1 })),
    ]);
    const assigned = await tensorcell(["assign", source, "-o", join(dir, "student.ipynb")]);
    expect(assigned.code, assigned.stderr).toBe(0);
    const student = readFileSync(join(dir, "student.ipynb"), "utf8");
    expect(student).not.toContain("return 1");
    expect(student).toContain("// YOUR CODE HERE");
    const submissions = join(dir, "subs");
    mkdirSync(submissions);
    const studentCells = (JSON.parse(student) as { cells: { metadata: { nbgrader?: { grade_id?: string } }; source: string }[] }).cells;
    const answer = (id: string, source: string) => studentCells.map((c) => (c.metadata.nbgrader?.grade_id === id ? { ...c, source } : c));
    const hog = "const hog: Float64Array[] = [];\nfor (;;) hog.push(new Float64Array(4e6).fill(1));";
    write(join(submissions, "hog.ipynb"), answer("a1", `${hog}\nfunction one() { return 1; }`));
    write(join(submissions, "killer.ipynb"), answer("a1", "process.kill(process.pid, 'SIGKILL');\nfunction one() { return 1; }"));
    const result = await tensorcell(["grade", source, submissions, "--memory", "600", "--timeout", "20", "-o", join(dir, "r.csv"), "-q"]);
    expect(result.code, result.stderr).toBe(0);
    const csv = readFileSync(join(dir, "r.csv"), "utf8").trim().split("\n");
    expect(csv[0]).toBe("submission,score,max_score,grade_id,points,max_points,outcome,detail");
    // Each: the limit fires in answer a1 (so t1 fails with that kill as its outcome, naming it), the kernel restarts, and t2 still passes.
    expect(csv[1]).toMatch(/^hog,1,2,t1,0,1,memory,"test ""t1"" failed: ReferenceError: one is not defined \(after: answer cell ""a1"" hit a limit: killed: memory limit of 600 MiB /);
    expect(csv[2]).toBe("hog,1,2,t2,1,1,passed,");
    expect(csv[3]).toMatch(/^killer,1,2,t1,0,1,kernel-died,.*the kernel died \(killed by SIGKILL\)/);
    expect(csv[4]).toBe("killer,1,2,t2,1,1,passed,");
  }, 120_000);
});
