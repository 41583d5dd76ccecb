/**
 * Grade reports: CSV (one row per submission and graded item, for
 * spreadsheets and LMS import) and JSON (everything, including notes), plus
 * the short table printed on stdout.
 */
import type { SubmissionGrade } from "./grader.js";

/** Column names of the CSV report. */
export const CSV_COLUMNS = ["submission", "score", "max_score", "grade_id", "points", "max_points", "outcome", "detail"] as const;

function csvField(value: string | number): string {
  const text = String(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** The CSV report: a header, then one row per graded item (one row with outcome "error" for an ungradable submission). */
export function gradesToCsv(grades: readonly SubmissionGrade[]): string {
  const rows: (string | number)[][] = [[...CSV_COLUMNS]];
  for (const grade of grades) {
    if (grade.tests.length === 0) rows.push([grade.name, grade.score, grade.maxScore, "", 0, 0, "error", grade.error ?? "no graded cells"]);
    for (const test of grade.tests) rows.push([grade.name, grade.score, grade.maxScore, test.gradeId, test.points, test.maxPoints, test.outcome, test.detail]);
  }
  return rows.map((row) => row.map(csvField).join(",")).join("\n") + "\n";
}

/** The JSON report. */
export function gradesToJson(assignment: string, grades: readonly SubmissionGrade[]): string {
  return JSON.stringify({ assignment, gradedAt: new Date().toISOString(), submissions: grades }, null, 2) + "\n";
}

/** The summary table printed after grading. */
export function gradesSummary(grades: readonly SubmissionGrade[]): string {
  const width = Math.max(10, ...grades.map((g) => g.name.length));
  const lines = grades.map((grade) => {
    const failed = grade.tests.filter((t) => t.outcome !== "passed").map((t) => `${t.gradeId}: ${t.outcome}`);
    const status = grade.error ? `error: ${grade.error}` : failed.length ? failed.join(", ") : "all passed";
    return `${grade.name.padEnd(width)}  ${String(grade.score).padStart(5)} / ${String(grade.maxScore).padEnd(5)}  ${(grade.elapsedMs / 1000).toFixed(1).padStart(6)}s  ${status}`;
  });
  return [`${"submission".padEnd(width)}  score / max    time  failures`, ...lines].join("\n");
}
