import { encode } from "fast-png";
import { describe, expect, it } from "vitest";
import type { NotebookCell, NotebookOutput } from "../../../kernel/headless/notebook.js";
import { cellSettings, compareCellOutputs, DEFAULT_COMPARE, type CompareSettings } from "../../../kernel/headless/verify/compare.js";
import { DEFAULT_SANITIZERS, sanitize } from "../../../kernel/headless/verify/sanitize.js";
import { lineDiff, numbersClose, textsMatch } from "../../../kernel/headless/verify/tolerance.js";

const base: CompareSettings = { ...DEFAULT_COMPARE, sanitizers: DEFAULT_SANITIZERS };
const stdout = (text: string): NotebookOutput => ({ output_type: "stream", name: "stdout", text });
const png = (pixels: number[]): NotebookOutput => ({
  output_type: "display_data",
  data: { "image/png": Buffer.from(encode({ width: 10, height: 10, data: new Uint8Array(pixels), channels: 1 })).toString("base64"), "text/plain": "img" },
  metadata: {},
});
const chart = (values: number[]): NotebookOutput => ({
  output_type: "display_data",
  data: { "application/vnd.vegalite.v5+json": { mark: "line", data: { values: values.map((v, step) => ({ step, v })) } }, "text/plain": "chart" },
  metadata: {},
});

describe("verify's comparisons", () => {
  it("sanitises timestamps, addresses, durations and rates", () => {
    expect(sanitize("at 2024-05-01T10:20:30.5Z took 3.2s, 1520 img/s, obj 0x7ffdeadbeef, 12:01:02")).toBe(
      "at <TIMESTAMP> took <DURATION>, <RATE>, obj <ADDRESS>, <TIME>",
    );
  });

  it("compares numbers in text with isclose tolerance, words exactly", () => {
    expect(numbersClose(1, 1 + 1e-7, { rtol: 1e-5, atol: 0 })).toBe(true);
    expect(numbersClose(1, 1.001, { rtol: 1e-5, atol: 0 })).toBe(false);
    expect(textsMatch("loss 0.500001 acc 0.9", "loss 0.5 acc 0.9", { rtol: 1e-5, atol: 0 })).toBe(true);
    expect(textsMatch("loss 0.52", "loss 0.5", { rtol: 1e-5, atol: 0 })).toBe(false);
    expect(textsMatch("loss 0.5", "lost 0.5", { rtol: 1, atol: 1 })).toBe(false);
    expect(lineDiff("a\nloss 1\nc", "a\nloss 2\nc", { rtol: 0, atol: 0 })).toEqual(["- loss 1", "+ loss 2"]);
  });

  it("compares images by the share of differing pixels", () => {
    const image = Array.from({ length: 100 }, (_, i) => i * 2);
    const onePixel = [...image];
    onePixel[5] = 255;
    const slightly = image.map((v) => v + 3);
    expect(compareCellOutputs([png(image)], [png(slightly)], base)).toEqual([]); // within the channel tolerance
    const [difference] = compareCellOutputs([png(image)], [png(onePixel)], base);
    expect(difference!.what).toBe("output 1 (image/png)");
    expect(difference!.lines[0]).toMatch(/^1\.00% of pixels differ/);
    expect(compareCellOutputs([png(image)], [png(onePixel)], { ...base, threshold: 0.02 })).toEqual([]);
  });

  it("compares Vega-Lite charts by data values with tolerance and names the value that moved", () => {
    expect(compareCellOutputs([chart([1, 2, 3])], [chart([1, 2 + 1e-9, 3])], base)).toEqual([]);
    const [difference] = compareCellOutputs([chart([1, 2, 3])], [chart([1, 2.5, 3])], base);
    expect(difference!.lines).toEqual(["data.values[1].v: 2 became 2.5"]);
  });

  it("reports missing outputs and differing errors, and honours tags", () => {
    expect(compareCellOutputs([stdout("x\n"), chart([1])], [stdout("x\n")], base)[0]!.lines[0]).toMatch(/missing from the new run/);
    const error = (evalue: string): NotebookOutput => ({ output_type: "error", ename: "Error", evalue, traceback: ["at line 3"] });
    expect(compareCellOutputs([error("boom")], [error("boom")], base)).toEqual([]);
    expect(compareCellOutputs([error("boom")], [error("bang")], base)).toHaveLength(1);
    const cell = (tags: string[], tensorcell?: object): NotebookCell => ({ cell_type: "code", metadata: { tags, ...(tensorcell ? { tensorcell } : {}) }, source: "", outputs: [] });
    expect(cellSettings(cell(["verify-skip"]), base).skip).toBe(true);
    expect(cellSettings(cell(["nbval-ignore-output"]), base).skip).toBe(true);
    expect(cellSettings(cell(["verify-loose"]), base).rtol).toBe(1e-2);
    expect(cellSettings(cell([], { verify: { atol: 0.5 } }), base).atol).toBe(0.5);
    const loose = cellSettings(cell(["verify-loose"]), base);
    expect(compareCellOutputs([stdout("acc 0.901")], [stdout("acc 0.905")], loose)).toEqual([]);
    expect(compareCellOutputs([stdout("acc 0.901")], [stdout("acc 0.905")], base)).toHaveLength(1);
    const stderr = (text: string): NotebookOutput => ({ output_type: "stream", name: "stderr", text });
    expect(compareCellOutputs([stderr("a")], [stderr("b")], cellSettings(cell(["verify-ignore-stderr"]), base))).toEqual([]);
  });
});
