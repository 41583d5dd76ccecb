// Runs the vitest suite and ends with one plain line, "N passed, N failed, N skipped",
// that any CI reader understands; exits with vitest's own status.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const dir = mkdtempSync(join(tmpdir(), "tensorcell-vitest-"));
const report = join(dir, "report.json");
const run = spawnSync("npx", ["vitest", "run", "--reporter=default", "--reporter=json", `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  stdio: "inherit",
});
try {
  const { numPassedTests, numFailedTests, numPendingTests, numTodoTests } = JSON.parse(readFileSync(report, "utf8"));
  console.log(`${numPassedTests} passed, ${numFailedTests} failed, ${numPendingTests + numTodoTests} skipped`);
} catch (error) {
  console.log(`vitest wrote no report (${error.message}); exit status ${run.status}`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(run.status ?? 1);
