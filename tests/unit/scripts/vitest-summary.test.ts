/**
 * scripts/vitest-summary.mjs on a real vitest run: a file whose beforeAll throws
 * must count as failed and be named, not hide as "skipped".
 */
import { spawnSync } from "node:child_process";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

describe("vitest summary line", () => {
  it("counts the tests of a file that failed in setup as failed and names the file", () => {
    const run = spawnSync(
      process.execPath,
      ["scripts/vitest-summary.mjs", "--root", resolve("tests/fixtures/summary"), "--config", resolve("tests/fixtures/summary/vitest.config.mjs")],
      { encoding: "utf8", timeout: 120_000 },
    );
    const last = run.stdout.trim().split("\n").at(-1);
    expect(run.status).not.toBe(0);
    expect(last).toBe("1 passed, 2 failed, 1 skipped; failed before their tests ran: tests/fixtures/summary/setup.fixture.ts");
  });
});
