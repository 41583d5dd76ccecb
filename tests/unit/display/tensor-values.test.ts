/**
 * Tensors as values: matrices show as HTML tables (first and last rows and columns when large),
 * pictures only when image-like, and tensors inside objects and arrays print in one line.
 */
import { inspect } from "node:util";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import { describe, expect, it } from "vitest";
import { karateClub } from "../../../lib/data/graphs.js";
import { mimeBundle } from "../../../lib/display/index.js";

async function bundleOf(value: unknown): Promise<Record<string, unknown>> {
  return (await mimeBundle(value))!.data;
}

/** The rows of an HTML table as arrays of cell texts (header row first). */
function tableRows(html: string): string[][] {
  return [...html.matchAll(/<tr>(.*?)<\/tr>/g)].map((row) => [...row[1]!.matchAll(/<t[hd][^>]*>(.*?)<\/t[hd]>/g)].map((cell) => cell[1]!));
}

describe("tensor values", () => {
  it("shows [10, 10] logits as a table of all their values, with no picture", async () => {
    const logits = tf.tidy(() => tf.linspace(-3, 3, 100).reshape([10, 10]));
    const data = await bundleOf(logits);
    expect(data["image/png"]).toBeUndefined();
    const rows = tableRows(data["text/html"] as string);
    expect(rows).toHaveLength(11);
    expect(rows[0]).toEqual(["", "0", "1", "2", "3", "4", "5", "6", "7", "8", "9"]);
    expect(rows[1]![0]).toBe("0");
    expect(rows[1]![1]).toBe("-3");
    expect(rows[10]![10]).toBe("3");
    expect(data["text/html"]).not.toContain("<caption");
  });

  it("shows the first and last rows and columns of a large matrix", async () => {
    const big = tf.tidy(() => tf.range(0, 100 * 30).reshape([100, 30]));
    const data = await bundleOf(big);
    expect(data["image/png"]).toBeUndefined();
    const html = data["text/html"] as string;
    const rows = tableRows(html);
    expect(rows).toHaveLength(1 + 21);
    expect(rows[0]).toEqual(["", ..."0123456789".split(""), "…", "20", "21", "22", "23", "24", "25", "26", "27", "28", "29"]);
    expect(rows[11]!.every((cell) => cell === "…")).toBe(true);
    expect(rows[21]![0]).toBe("99");
    expect(rows[21]!.at(-1)).toBe(String(100 * 30 - 1));
    expect(rows[12]![1]).toBe(String(90 * 30)); // row 90, column 0
    expect(html).toContain("first and last 10 of 100 rows and of 30 columns shown");
    const long = await bundleOf(tf.range(0, 50));
    expect(tableRows(long["text/html"] as string)[1]!.slice(-2)).toEqual(["48", "49"]);
    expect(long["text/html"]).toContain("first and last 10 of 50 values shown");
  });

  it("draws a 2-D tensor only when it is image-like: both sides >= 16 and pixel values", async () => {
    const unit = tf.tidy(() => tf.linspace(0, 1, 256).reshape([16, 16]));
    const png = decode(Buffer.from((await bundleOf(unit))["image/png"] as string, "base64"));
    expect([png.width, png.height]).toEqual([160, 160]);
    const bytes = tf.tidy(() => tf.range(0, 256, 1, "int32").reshape([16, 16]));
    expect((await bundleOf(bytes))["image/png"]).toBeDefined();
    const floatsOver1 = tf.tidy(() => tf.linspace(0, 3.5, 256).reshape([16, 16])); // activations, not pixels
    const small = tf.tidy(() => tf.linspace(0, 1, 100).reshape([10, 10])); // pixel values, but small
    const signed = tf.tidy(() => tf.linspace(-1, 1, 256).reshape([16, 16]));
    for (const matrix of [floatsOver1, small, signed]) {
      const data = await bundleOf(matrix);
      expect(data["image/png"], String(matrix.shape)).toBeUndefined();
      expect(data["text/html"]).toContain("<table>");
    }
    // Explicit image shapes stay pictures.
    expect((await bundleOf(tf.zeros([8, 8, 3])))["image/png"]).toBeDefined();
  });

  it("prints tensors inside objects and arrays in one line", async () => {
    const dataset = { images: tf.zeros([2000, 28, 28, 1]), labels: tf.zeros([2000], "int32"), numClasses: 10 };
    const text = (await bundleOf(dataset))["text/plain"] as string;
    expect(text).toBe("{\n  images: Tensor float32 [2000, 28, 28, 1],\n  labels: Tensor int32 [2000],\n  numClasses: 10\n}");
    expect(text).not.toMatch(/dataId|isDisposedInternal|strides/);
    expect((await bundleOf([tf.ones([2, 3]), tf.scalar(0.5)]))["text/plain"]).toBe("[ Tensor float32 [2, 3], Tensor float32 [] 0.5 ]");
    const variable = tf.variable(tf.zeros([3]));
    const gone = tf.zeros([4]);
    gone.dispose();
    expect(inspect({ w: variable, gone })).toBe("{ w: Variable float32 [3], gone: Tensor float32 [4] (disposed) }");
    const graph = (await bundleOf(karateClub()))["text/plain"] as string;
    expect(graph).toContain("x: Tensor float32 [34, 34]");
    expect(graph).toContain("edgeIndex: Tensor int32 [156, 2]");
    expect(graph).not.toContain("dataId");
  });
});
