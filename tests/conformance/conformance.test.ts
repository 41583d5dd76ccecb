/**
 * The public conformance suite (Debian's jupyter_kernel_test) against the
 * installed kernelspec: every test it has must pass, none may be skipped.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = resolve(import.meta.dirname, "..", "..");

describe("jupyter_kernel_test conformance", () => {
  let prefix: string;
  beforeAll(() => {
    prefix = mkdtempSync(join(tmpdir(), "tensorcell-spec-"));
    const install = spawnSync(process.execPath, [join(root, "dist", "cli.js"), "install", "--prefix", prefix], { encoding: "utf8" });
    expect(install.status, install.stderr).toBe(0);
  });
  afterAll(() => rmSync(prefix, { recursive: true, force: true }));

  it("passes every test of the suite with TypeScript samples", () => {
    const run = spawnSync("/usr/bin/python3", ["-m", "unittest", "-v", "test_tensorcell"], {
      cwd: join(root, "tests", "conformance"),
      env: { ...process.env, JUPYTER_PATH: join(prefix, "share", "jupyter"), PYTHONDONTWRITEBYTECODE: "1" },
      encoding: "utf8",
      timeout: 300_000,
    });
    const log = run.stderr + run.stdout;
    expect(run.status, log).toBe(0);
    expect(log).toMatch(/^OK$/m);
    expect(log, "no test may be skipped").not.toMatch(/skipped/);
    const passed = log.match(/ \.\.\. ok$/gm) ?? [];
    expect(passed.length, log).toBe(12); // every test jupyter_kernel_test 0.4.5 has
  }, 320_000);
});
