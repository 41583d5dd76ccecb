/**
 * The small version of bench/soak (2,000+ cells there): every kind of cell a
 * session mixes (prints, displays, trainings with live curves, viz outputs,
 * interrupts, errors, redefinitions, tensor values) in rotation on the default
 * backend. The kernel must survive each, every cell must end as planned, and
 * no tensor may be left once the notebook disposed what it made.
 */
import { describe, expect, it } from "vitest";
import { runSoak } from "../../bench/soak/soak-session.js";

describe("soak (small)", () => {
  it("runs 48 mixed cells, leaves no tensor behind, and keeps the kernel alive", async () => {
    const report = await runSoak({ cells: 48, sampleEvery: 16 });
    expect(report.backend).toBe("wasm");
    expect(report.alive).toBe(true);
    expect(report.finalTensors).toBe(report.baselineTensors);
    expect(report.outcomes.interrupt).toEqual({ ok: 0, error: 6 });
    expect(report.outcomes.training).toEqual({ ok: 6, error: 0 });
    expect(report.samples.length).toBeGreaterThanOrEqual(4);
  }, 300_000);
});
