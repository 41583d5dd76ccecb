import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import { mimeBundle } from "../../../lib/display/index.js";
import { viz } from "../../../lib/viz/index.js";
import { drawText } from "../../../lib/viz/font.js";

const pixel = (png: ReturnType<typeof decode>, x: number, y: number) => Array.from(png.data.slice((y * png.width + x) * png.channels, (y * png.width + x + 1) * png.channels));

/** A 8x8 one-channel image, bright in the top-left 3x3 corner. */
function cornerImage(): tf.Tensor3D {
  const values = new Float32Array(64);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) values[y * 8 + x] = 1;
  return tf.tensor3d(values, [8, 8, 1]);
}

/** conv (1x1, channel 0 = input, channel 1 = -input) -> global average -> dense identity. */
function identityCamModel(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 1, name: "conv", useBias: false }),
      tf.layers.globalAveragePooling2d({ name: "gap" }),
      tf.layers.dense({ units: 2, name: "logits", useBias: false }),
    ],
  });
  model.getLayer("conv").setWeights([tf.tensor4d([1, -1], [1, 1, 1, 2])]);
  model.getLayer("logits").setWeights([tf.eye(2)]);
  return model;
}

describe("colormaps and heatmaps", () => {
  it("maps a 2x2 tensor to the exact viridis endpoints", () => {
    const out = viz.heatmap(tf.tensor2d([[0, 1], [1, 0.5]]), { scale: 1, colorBar: false });
    const png = decode(out.data.png);
    expect([png.width, png.height, png.channels]).toEqual([2, 2, 3]);
    expect(pixel(png, 0, 0)).toEqual([0x44, 0x01, 0x54]);
    expect(pixel(png, 1, 0)).toEqual([0xfd, 0xe7, 0x25]);
    expect(pixel(png, 0, 1)).toEqual([0xfd, 0xe7, 0x25]);
    const gray = decode(viz.heatmap(tf.tensor2d([[0, 1]]), { colormap: "gray", scale: 1, colorBar: false }).data.png);
    expect(Array.from(gray.data)).toEqual([0, 0, 0, 255, 255, 255]);
    expect(() => viz.heatmap(tf.zeros([2, 2, 3]))).toThrow(/needs a \[h, w\] tensor/);
    expect(() => viz.heatmap(tf.zeros([2, 2]), { colormap: "hot" as never })).toThrow(/Unknown colormap "hot"; use one of viridis, magma, inferno, plasma, gray, turbo, jet/);
  });

  it("offers turbo and matplotlib's jet", () => {
    const ends = (name: "turbo" | "jet") => Array.from(viz.applyColormap([0, 0.5, 1], name));
    expect(ends("jet")).toEqual([0, 0, 128, 125, 255, 122, 128, 0, 0]); // jet(128/255) in the middle
    // Turbo: near-black start, green middle, dark red end.
    const [r0, g0, b0, r1, g1, b1, r2, g2, b2] = ends("turbo");
    expect(r0! + g0! + b0!).toBeLessThan(120);
    expect(g1).toBeGreaterThan(Math.max(r1!, b1!));
    expect(r2).toBeGreaterThan(Math.max(g2!, b2!));
  });

  it("enlarges a small map to 192 px and draws a colour bar with its range", () => {
    const out = viz.heatmap(tf.tensor2d([[0, 1], [2, 3]]));
    const png = decode(out.data.png);
    // 2x2 map enlarged 96x; the colour bar (12 px + 3 + a label of one glyph) sits beside it, under an empty title row.
    expect(png.height).toBe(4 + 16 + 192 + 4);
    expect(png.width).toBe(4 + 192 + 2 + 12 + 3 + 8 + 4);
    expect(pixel(png, 4 + 192 + 2 + 5, 4 + 16)).toEqual([0xfd, 0xe7, 0x25]); // viridis top
    expect(out.toString()).toBe("Heatmap [2,2] (viridis, 0..3)");
  });
});

describe("bitmap font", () => {
  const render = (text: string) => {
    const image = { pixels: new Uint8Array(4 * text.length * 7 * 3), width: 4 * text.length, height: 7, channels: 3 as const };
    drawText(image, 0, 0, text, [255, 255, 255], 1);
    return Array.from(image.pixels);
  };
  it("draws lower case apart from upper case, with descenders", () => {
    expect(render("layer4.1")).not.toEqual(render("LAYER4.1"));
    for (const letter of "abcdefghijklmnopqrstuvwxyz") expect(render(letter), letter).not.toEqual(render(letter.toUpperCase()));
    expect(render("g").slice(5 * 4 * 3).some((v) => v > 0)).toBe(true); // sixth row: the descender
    expect(render("a").slice(5 * 4 * 3).every((v) => v === 0)).toBe(true);
    expect(render("\u00e9")).toEqual(render("?"));
  });
});

describe("viz.featureMaps and viz.filters", () => {
  it("draws a labelled grid per conv layer and shows as a PNG bundle", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 4, kernelSize: 3, name: "c1", padding: "same" }),
        tf.layers.conv2d({ filters: 2, kernelSize: 3, name: "c2" }),
        tf.layers.flatten(),
      ],
    });
    const out = viz.featureMaps(model, cornerImage());
    expect(out.data.layers).toEqual(["c1", "c2"]);
    expect(out.data.shapes).toEqual({ c1: [8, 8, 4], c2: [6, 6, 2] });
    const png = decode(out.data.png);
    // Widest row: the label "c1 (8x8), 4 channels" (20 glyphs of 8 px) beats c1's 4 tiles of 64 px in one row (+2 px gaps); margins 4.
    expect(png.width).toBe(4 + 4 * 64 + 3 * 2 + 4);
    // Heights: label 16 px + a 64 px tile + 14 px channel labels for c1; c2 the same with 66 px tiles (6 px x11, the smallest factor reaching 64).
    expect(png.height).toBe(4 + (16 + 64 + 14) + 4 + (16 + 66 + 14) + 4);
    const bundle = (await mimeBundle(out))!.data;
    expect(Buffer.from(bundle["image/png"] as string, "base64").equals(Buffer.from(out.data.png))).toBe(true);
    expect(bundle["text/plain"]).toContain("c1: [8,8,4]");
    expect(() => viz.featureMaps(model, cornerImage(), { layers: ["flatten_1"] })).toThrow(/No layer named|feature maps need/);
  });

  it("caps a 10,000-channel layer with a note", () => {
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [2, 2, 1], filters: 10000, kernelSize: 1, name: "wide" })] });
    const out = viz.featureMaps(model, tf.ones([2, 2, 1]));
    expect(out.data.notes).toEqual([
      "Every candidate map is smaller than 4x4 at this input size; showing the largest, wide (2x2).",
      "wide: showing the first 16 of 10000 channels (raise maxChannels to see more).",
    ]);
    expect(out.toString()).toContain("first 16 of 10000");
    const png = decode(out.data.png);
    expect(png.width).toBeLessThan(600);
    model.dispose();
  });

  it("caps the picture's height and says which layers were not drawn", () => {
    const model = tf.sequential({ layers: Array.from({ length: 12 }, (_, i) => tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 64, kernelSize: 1, name: `c${i}` })) });
    const names = model.layers.map((l) => l.name);
    const out = viz.featureMaps(model, tf.ones([8, 8, 1]), { layers: names, maxChannels: 64 });
    expect(out.data.notes.at(-1)).toMatch(/^Picture capped at about 3000 px tall: c\d+(, c\d+)* not drawn/);
    expect(decode(out.data.png).height).toBeLessThan(3700);
    // By default, only six of the twelve convolutions, spread over the depth.
    const defaults = viz.featureMaps(model, tf.ones([8, 8, 1]));
    expect(defaults.data.layers).toEqual(["c0", "c2", "c4", "c7", "c9", "c11"]);
    expect(defaults.data.notes[0]).toBe("Showing 6 of 12 layers spread over the depth; also available: c1, c3, c5, c6, c8, c10 (pass { layers: [...] }).");
    model.dispose();
  });

  it("draws RGB filters of a first conv layer", () => {
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [8, 8, 3], filters: 5, kernelSize: 3, name: "stem" })] });
    const out = viz.filters(model, "stem");
    expect(out.data.kernelShape).toEqual([3, 3, 3, 5]);
    expect(decode(out.data.png).channels).toBe(3);
    expect(() => viz.filters(model, "nope")).toThrow(/No layer named "nope"; the model's layers are: stem/);
  });
});

describe("CAMs", () => {
  it("Eigen-CAM highlights the bright corner", () => {
    const out = viz.eigenCam(identityCamModel(), cornerImage());
    expect(out.data.layer).toBe("conv");
    const cam = out.data.cam as number[][];
    expect(cam[0]![0]!).toBeGreaterThan(0);
    expect(cam[7]![7]).toBe(0);
    const png = decode(out.data.png);
    expect(png.channels).toBe(3);
  });

  it("Grad-CAM weights channels by the class-score gradient", () => {
    const model = identityCamModel();
    const cam0 = viz.gradCam(model, cornerImage(), 0).data.cam as number[][];
    // Class 0 = mean of channel 0 = mean of the image: weight 1/64 on the image itself.
    expect(cam0[0]![0]).toBeCloseTo(1 / 64, 6);
    expect(cam0[5]![5]).toBe(0);
    // Class 1 reads channel 1 = -image: relu leaves nothing.
    const cam1 = viz.gradCam(model, cornerImage(), 1).data.cam as number[][];
    expect(Math.max(...cam1.flat())).toBe(0);
    expect(() => viz.gradCam(model, cornerImage(), 5)).toThrow(/classIndex must be an integer in 0..1/);
  });

  it("rejects non-image inputs with a clear error", () => {
    const dense = tf.sequential({ layers: [tf.layers.dense({ inputShape: [5], units: 2 })] });
    expect(() => viz.eigenCam(dense, tf.zeros([5]))).toThrow(/explains image models: Expected an image-like tensor/);
    expect(() => viz.eigenCam(identityCamModel(), tf.zeros([8, 8, 5]))).toThrow(/image-like tensor/);
  });
});
