/**
 * `tensorcell verify` (issue 7): the shipped reproducibility package passes
 * twice in a row with identical results; changed outputs are caught with a
 * readable diff and exit 1; sanitisers and tags keep honest variation quiet.
 */
import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir, tensorcell, writeTestNotebook } from "./headless-cli.js";

describe("tensorcell verify", () => {
  it("passes the repro package twice in a row with identical reports", async () => {
    const work = tempDir();
    cpSync(resolve("notebooks/repro"), work, { recursive: true });
    // verify re-runs on the backend the notebook recorded (environment.backend), whatever the caller's default.
    const first = await tensorcell(["verify", "experiment.ipynb", "-q"], { cwd: work });
    const second = await tensorcell(["verify", "experiment.ipynb", "-q"], { cwd: work });
    expect(first.code, first.stdout + first.stderr).toBe(0);
    expect(first.stdout).toBe("verify experiment.ipynb: 6 cells compared, 0 differ, 1 skipped (seed 7)\n");
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
  });

  it("catches changed numbers in text and chart data, with a readable diff and exit 1", async () => {
    const work = tempDir();
    cpSync(resolve("notebooks/repro"), work, { recursive: true });
    const path = join(work, "experiment.ipynb");
    const notebook = JSON.parse(readFileSync(path, "utf8"));
    const train = notebook.cells.find((c: { id: string }) => c.id === "train");
    const stream = train.outputs.find((o: { output_type: string }) => o.output_type === "stream");
    const original = String(stream.text);
    stream.text = original.replace(/loss per epoch: [\d.]+/, "loss per epoch: 9.9999");
    const chart = train.outputs.find((o: { data?: object }) => o.data && "application/vnd.vegalite.v5+json" in o.data);
    chart.data["application/vnd.vegalite.v5+json"].data.values[0].value = 42;
    writeFileSync(path, JSON.stringify(notebook));
    const result = await tensorcell(["verify", path, "-q"]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain("cell 8 (`const history = await model.fit(train.images, t...`) differs:");
    expect(result.stdout).toContain("    - loss per epoch: 9.9999,");
    expect(result.stdout).toMatch(/ {4}\+ loss per epoch: [\d.]+, [\d.]+/);
    expect(result.stdout).toMatch(/data\.values\[0\]\.value: 42 became [\d.]+/);
    expect(result.stdout).toMatch(/6 cells compared, 1 differ, 1 skipped/);
  });

  it("sanitises timestamps and durations, skips tagged cells, and loosens tagged ones", async () => {
    const dir = tempDir();
    // Each run of the loose cell reads a different accuracy (0.9001, 0.9002, ...): within verify-loose's rtol 1e-2,
    // outside the default 1e-5, so every run of this test exercises the tag.
    const counter = JSON.stringify(join(dir, "runs.txt"));
    const drift = `const fsRuns = require("node:fs"); const runs = (fsRuns.existsSync(${counter}) ? Number(fsRuns.readFileSync(${counter}, "utf8")) : 0) + 1;
fsRuns.writeFileSync(${counter}, String(runs)); console.log(\`accuracy \${(0.9 + runs * 1e-4).toFixed(5)}\`)`;
    const path = writeTestNotebook(dir, "s.ipynb", [
      "console.log(`at ${new Date().toISOString()} took ${(performance.now() % 1000).toFixed(2)}ms`)",
      { source: "Math.random()", tags: ["verify-skip"] },
      { source: drift, tags: ["verify-loose"] },
      "console.log('stable')",
    ]);
    const run = await tensorcell(["run", path, "-o", path, "-q", "--seed", "3"]);
    expect(run.code, run.stderr).toBe(0);
    const verify = await tensorcell(["verify", path, "-q"]);
    expect(verify.stdout).toMatch(/3 cells compared, 0 differ, 1 skipped/);
    expect(verify.code).toBe(0);
    const strict = await tensorcell(["verify", path, "-q", "--rtol", "0", "--atol", "0"]);
    expect(strict.stdout).not.toContain("cell 1 "); // sanitised away whatever the tolerance
    expect(strict.stdout).toMatch(/3 cells compared, 0 differ, 1 skipped/); // the tag's tolerance is a floor
    expect(strict.code).toBe(0);
    // Without the tag the same drift is caught.
    const notebook = JSON.parse(readFileSync(path, "utf8"));
    notebook.cells[2].metadata.tags = [];
    writeFileSync(path, JSON.stringify(notebook));
    const untagged = await tensorcell(["verify", path, "-q"]);
    expect(untagged.stdout).toMatch(/cell 3 .*differs/);
    expect(untagged.stdout).toMatch(/3 cells compared, 1 differ, 1 skipped/);
    expect(untagged.code).toBe(1);
  });
});
