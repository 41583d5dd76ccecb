/** The sweep grid, run names, Slurm output parsing and the summary's chart spec, without kernels. */
import { describe, expect, it } from "vitest";
import { gridPoints, parseAxisValues, parseGrid, safeValue } from "../../../kernel/headless/sweep/grid.js";
import { arraySpec, parseSacct, parseScontrol } from "../../../kernel/headless/slurm/executor.js";
import { chartAxis, metricSpec } from "../../../kernel/headless/sweep/chart.js";
import { summaryCsv, type SummaryRow } from "../../../kernel/headless/sweep/summary.js";
import type { SweepPlan } from "../../../kernel/headless/sweep/plan.js";

describe("sweep grid", () => {
  it("types values like run -p: ranges, lists, JSON values with commas", () => {
    expect(parseAxisValues("seed", "1:4")).toEqual([1, 2, 3, 4]);
    expect(parseAxisValues("seed", "-1:1")).toEqual([-1, 0, 1]);
    expect(parseAxisValues("lr", "0.1,0.01,1e-3")).toEqual([0.1, 0.01, 0.001]);
    expect(parseAxisValues("opt", "adam,sgd")).toEqual(["adam", "sgd"]);
    expect(parseAxisValues("flag", "true,false,null")).toEqual([true, false, null]);
    expect(parseAxisValues("sizes", "[1,2]")).toEqual([[1, 2]]);
    expect(parseAxisValues("name", '"a,b"')).toEqual(["a,b"]);
    expect(parseAxisValues("time", "12:30:00")).toEqual(["12:30:00"]);
  });

  it("takes the cartesian product, first parameter slowest, with safe unique names", () => {
    const points = gridPoints(parseGrid(["lr=0.1,0.01", "seed=1:2"]));
    expect(points.map((p) => p.label)).toEqual(["lr=0.1-seed=1", "lr=0.1-seed=2", "lr=0.01-seed=1", "lr=0.01-seed=2"]);
    expect(points[1]!.parameters).toEqual({ lr: 0.1, seed: 2 });
    expect(safeValue("a/b c")).toBe("a_b_c");
    expect(safeValue([1, 2])).toBe("1_2");
    expect(gridPoints(parseGrid(["s=a/b,a b"])).map((p) => p.label)).toEqual(["s=a_b", "s=a_b-2"]);
  });

  it("refuses bad syntax and empty grids with one line", () => {
    expect(() => parseGrid([])).toThrow(/the grid is empty/);
    expect(() => parseGrid(["lr"])).toThrow(/must be written name=value/);
    expect(() => parseGrid(["lr=1,,2"])).toThrow(/an empty value in the list/);
    expect(() => parseGrid(["seed=3:1"])).toThrow(/the range is empty/);
    expect(() => parseGrid(["seed=1.5:3"])).toThrow(/a range takes whole numbers/);
    expect(() => parseGrid(["a=1:200", "b=1:200"])).toThrow(/the grid has 40000 runs, more than 10000/);
    expect(() => parseGrid(["x=[1,2"])).toThrow(/not valid JSON/);
  });
});

describe("Slurm output", () => {
  it("writes array specs and reads sacct and scontrol states", () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8])).toBe("0-2,5,7-8");
    expect(arraySpec([3])).toBe("3");
    expect(parseSacct("12_0|COMPLETED|0:0\n12_1|FAILED|3:0\n12_2|CANCELLED by 0|0:15\n", "12")).toEqual(
      new Map([
        [0, { state: "COMPLETED", exitCode: "0:0" }],
        [1, { state: "FAILED", exitCode: "3:0" }],
        [2, { state: "CANCELLED", exitCode: "0:15" }],
      ]),
    );
    const scontrol = "JobId=13 ArrayJobId=12 ArrayTaskId=1 JobName=x JobState=FAILED Reason=NonZeroExitCode ExitCode=3:0 RunTime=00:00:01\nJobId=12 ArrayJobId=12 ArrayTaskId=0 JobState=COMPLETED ExitCode=0:0\n";
    expect(parseScontrol(scontrol)).toEqual(new Map([[1, { state: "FAILED", exitCode: "3:0" }], [0, { state: "COMPLETED", exitCode: "0:0" }]]));
  });
});

describe("sweep summary", () => {
  const plan: SweepPlan = { version: 1, notebook: "/n.ipynb", dir: "/out", axes: [{ name: "seed", values: [1, 2] }, { name: "lr", values: [0.001, 0.1] }], runs: [] };
  const row = (seed: number, lr: number, loss: number | undefined, status: SummaryRow["status"] = "ok"): SummaryRow => ({
    index: 0, name: `x`, file: "x.ipynb", parameters: { seed, lr }, status, runStatus: status, timeS: 1, error: status === "ok" ? "" : "boom, \"quoted\"", records: loss === undefined ? {} : { loss },
  });

  it("charts a metric against the first non-seed parameter, on a log scale across decades, failed runs left out", () => {
    expect(chartAxis(plan)).toBe("lr");
    const spec = metricSpec(plan, [row(1, 0.001, 1), row(2, 0.001, 3), row(1, 0.1, 2), row(2, 0.1, 9, "error")], "loss", "lr") as { data: { values: unknown[] }; layer: { encoding: { x: { scale: unknown } } }[] };
    expect(spec.data.values).toHaveLength(3);
    expect(spec.layer[0]!.encoding.x.scale).toEqual({ type: "log" });
    expect(metricSpec(plan, [row(1, 0.1, undefined)], "loss", "lr")).toBeUndefined();
  });

  it("quotes CSV fields", () => {
    expect(summaryCsv(plan, [row(1, 0.1, 2, "error")]).split("\n")[1]).toBe('x,1,0.1,error,1,"boom, ""quoted""",2');
  });
});
