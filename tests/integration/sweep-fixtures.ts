/**
 * Tiny notebooks for the sweep tests: a "training" notebook that records a
 * loss (fails for lr > 1, sleeps for seed == 99) and a one-test assignment
 * with two submissions for grading.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { writeTestNotebook } from "./headless-cli.js";

/** A notebook with parameters lr and seed; records loss = 10 lr + seed / 10 and tag = "s<seed>". */
export function writeTrainNotebook(dir: string): string {
  return writeTestNotebook(dir, "train.ipynb", [
    { source: "const lr = 0.1;\nconst seed = 1;", tags: ["parameters"] },
    "if (lr > 1) throw new RangeError(`lr ${lr} is too big`);\nif (seed === 99) await new Promise((r) => setTimeout(r, 120_000));",
    "tensorcell.record('loss', lr * 10 + seed / 10);\ntensorcell.record('tag', `s${seed}`);",
  ]);
}

const nbg = (grade_id: string, extra: object) => ({ nbgrader: { grade: false, solution: false, locked: false, schema_version: 3, grade_id, ...extra } });
const code = (id: string, source: string, metadata: object) => ({ cell_type: "code", id, metadata, source, outputs: [], execution_count: null });
const write = (path: string, cells: object[]) =>
  writeFileSync(path, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tensorcell", language: "typescript", display_name: "TS" } }, cells }));

/** An assignment (one answer, one 2-point test) and submissions right/ and wrong/ plus a broken (not JSON) one. */
export function writeAssignment(dir: string): { assignment: string; submissions: string } {
  const assignment = join(dir, "assignment.ipynb");
  const answer = (body: string) => code("a1", `function double(x: number): number {\n  ${body}\n}`, nbg("a1", { solution: true }));
  const test = code("t1", "assertEqual(double(2), 4);", nbg("t1", { grade: true, locked: true, points: 2 }));
  write(assignment, [answer("return 2 * x;"), test]);
  const submissions = join(dir, "submissions");
  mkdirSync(submissions);
  write(join(submissions, "right.ipynb"), [answer("return x + x;"), test]);
  write(join(submissions, "wrong.ipynb"), [answer("return x + 1;"), test]);
  writeFileSync(join(submissions, "broken.ipynb"), "{ not json");
  return { assignment, submissions };
}
