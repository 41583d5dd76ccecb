// Runs the vitest suite and ends with one plain line, "N passed, N failed, N skipped",
// that any CI reader understands; exits with vitest's own status.
// A file whose setup failed (a throwing beforeAll, an import error) has no failed
// test of its own: vitest marks its tests skipped. Those tests count as failed
// here, and the file is named, so a missing Chromium or Jupyter package can never
// read as "0 failed".
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";

/** The summary line of a vitest JSON report. */
export function summarize(report, root = process.cwd()) {
  let passed = report.numPassedTests;
  let failed = report.numFailedTests;
  let skipped = report.numPendingTests + report.numTodoTests;
  const brokenFiles = [];
  for (const file of report.testResults) {
    const statuses = file.assertionResults.map((a) => a.status);
    if (file.status !== "failed" || statuses.includes("failed")) continue;
    const lost = statuses.filter((s) => s === "skipped" || s === "pending" || s === "todo").length;
    skipped -= lost;
    failed += Math.max(lost, 1);
    brokenFiles.push(relative(root, file.name));
  }
  const line = `${passed} passed, ${failed} failed, ${skipped} skipped`;
  return brokenFiles.length ? `${line}; failed before their tests ran: ${brokenFiles.join(", ")}` : line;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-vitest-"));
  const report = join(dir, "report.json");
  const run = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)], {
    stdio: "inherit",
  });
  try {
    console.log(summarize(JSON.parse(readFileSync(report, "utf8"))));
  } catch (error) {
    console.log(`vitest wrote no report (${error.message}); exit status ${run.status}`);
  }
  rmSync(dir, { recursive: true, force: true });
  process.exit(run.status ?? 1);
}
