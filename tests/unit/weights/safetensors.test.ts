import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import { readSafetensors, SafetensorsError, toFloat32, writeSafetensors } from "../../../lib/weights/safetensors.js";

const fixture = "tests/fixtures/safetensors/torch-written.safetensors";
const base = Array.from({ length: 12 }, (_, i) => i / 4 - 1);

describe("safetensors", () => {
  it("reads every dtype of a file written with PyTorch", () => {
    const { tensors, metadata } = readSafetensors(readFileSync(fixture), fixture);
    expect(metadata).toEqual({ format: "pt" });
    for (const name of ["f32", "f16", "bf16", "f64"]) {
      expect(tensors.get(name)!.shape).toEqual([3, 4]);
      expect(Array.from(toFloat32(tensors.get(name)!))).toEqual(base);
    }
    expect(Array.from(toFloat32(tensors.get("i64")!))).toEqual([-3, -2, -1, 0, 1, 2]);
    expect(Array.from(toFloat32(tensors.get("u8")!))).toEqual([0, 7, 255]);
    expect(tensors.get("scalar")!.shape).toEqual([]);
    expect(Array.from(toFloat32(tensors.get("scalar")!))).toEqual([2.5]);
    expect(tensors.get("empty")!.shape).toEqual([0, 5]);
  });

  it("writes what it reads back, byte for byte", () => {
    const { tensors, metadata } = readSafetensors(readFileSync(fixture));
    const again = writeSafetensors(Object.fromEntries([...tensors].map(([name, t]) => [name, { shape: t.shape, dtype: t.dtype, data: t.data.slice() }])), metadata);
    expect(Buffer.from(again).equals(readFileSync(fixture))).toBe(true);
  });

  // Debian's python3-torch (.ci/run installs it).
  it("writes files PyTorch reads", () => {
    const dir = mkdtempSync(join(tmpdir(), "st-"));
    const path = join(dir, "out.safetensors");
    writeFileSync(path, writeSafetensors({ "fc.weight": { shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, -6.5]) }, steps: { shape: [1], data: BigInt64Array.from([7n]) } }));
    const out = execFileSync("/usr/bin/python3", ["-c", `import sys; sys.path.insert(0, "scripts/fixtures"); from safetensors_io import load_file; d = load_file(${JSON.stringify(path)}); print(d["fc.weight"].tolist(), d["fc.weight"].dtype, d["steps"].tolist())`], { encoding: "utf8" });
    expect(out.trim()).toBe("[[1.0, 2.0, 3.0], [4.0, 5.0, -6.5]] torch.float32 [7]");
  });

  it("rejects truncated and malformed files with one line naming the source", () => {
    const good = readFileSync(fixture);
    const cases: [Uint8Array, RegExp][] = [
      [good.subarray(0, 4), /shorter than the 8-byte header length/],
      [good.subarray(0, 40), /truncated inside its header/],
      [good.subarray(0, good.byteLength - 3), /truncated: \d+ bytes, the header describes \d+/],
      [Buffer.concat([good, Buffer.from([0])]), /has trailing bytes/],
      [Buffer.concat([Buffer.from([4, 0, 0, 0, 0, 0, 0, 0]), Buffer.from("nope")]), /header is not JSON/],
    ];
    for (const [bytes, message] of cases) {
      const error = expectOneLineError(() => readSafetensors(bytes, "x.safetensors"), message, SafetensorsError);
      expect(error.message).toMatch(/^x\.safetensors: /);
    }
    const header = (json: object) => {
      const text = Buffer.from(JSON.stringify(json));
      const length = Buffer.alloc(8);
      length.writeBigUInt64LE(BigInt(text.byteLength));
      return Buffer.concat([length, text, Buffer.alloc(16)]);
    };
    expect(() => readSafetensors(header({ a: { dtype: "F32", shape: [2, 2], data_offsets: [0, 12] } }))).toThrow(/"a": shape \[2, 2\] of F32 needs 16 bytes, data_offsets give 12/);
    expect(() => readSafetensors(header({ a: { dtype: "Q4", shape: [4], data_offsets: [0, 16] } }))).toThrow(/unknown dtype "Q4"/);
    expect(() => readSafetensors(header({ a: { dtype: "F32", shape: [2], data_offsets: [0, 8] }, b: { dtype: "F32", shape: [2], data_offsets: [4, 12] } }))).toThrow(/gap or overlap/);
  });

  it("refuses a shape that does not match the data when writing", () => {
    expect(() => writeSafetensors({ w: { shape: [3], data: new Float32Array(2) } })).toThrow(/"w" has shape \[3\] \(3 values\) but 2 values of F32/);
  });
});
