/**
 * Explanations correct by default (issue 16), on the wasm backend: Grad-CAM on the
 * pre-softmax score for the predicted class, pytorch-grad-cam's default layers with
 * maps of at least 4x4, transformers refused with a pointer, pictures that carry the
 * layer, map size, prediction and a colour bar.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { expectOneLineError } from "../../helpers/one-line-error.js";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import { models } from "../../../lib/models/index.js";
import { viz } from "../../../lib/viz/index.js";
import { colormapTable } from "../../../lib/viz/colormap.js";
import { setUpWasm } from "../backend/helpers.js";

beforeAll(setUpWasm);

const pixel = (png: ReturnType<typeof decode>, x: number, y: number) => Array.from(png.data.slice((y * png.width + x) * png.channels, (y * png.width + x) * png.channels + 3));
const distinctColours = (png: ReturnType<typeof decode>, x0: number, x1: number, y: number) =>
  new Set(Array.from({ length: x1 - x0 }, (_, i) => pixel(png, x0 + i, y).join(","))).size;

/** A 8x8 one-channel image, bright in the top-left 3x3 corner. */
function cornerImage(): tf.Tensor3D {
  const values = new Float32Array(64);
  for (let y = 0; y < 3; y++) for (let x = 0; x < 3; x++) values[y * 8 + x] = 1;
  return tf.tensor3d(values, [8, 8, 1]);
}

/**
 * conv (1x1: channel 0 = image, channel 1 = -image) -> global average -> dense 25*identity
 * -> softmax. On the corner image the logits are +-25*9/64, so class 0 has p = 0.9991.
 */
function confidentSoftmaxModel(softmax: "dense" | "layer"): tf.LayersModel {
  const layers: tf.layers.Layer[] = [
    tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 2, kernelSize: 1, name: "conv", useBias: false }),
    tf.layers.globalAveragePooling2d({ name: "gap" }),
    tf.layers.dense({ units: 2, name: "logits", useBias: false, activation: softmax === "dense" ? "softmax" : undefined }),
  ];
  if (softmax === "layer") layers.push(tf.layers.activation({ activation: "softmax", name: "probs" }));
  const model = tf.sequential({ layers });
  model.getLayer("conv").setWeights([tf.tensor4d([1, -1], [1, 1, 1, 2])]);
  model.getLayer("logits").setWeights([tf.eye(2).mul(25)]);
  return model;
}

describe("viz.gradCam defaults", () => {
  it.each(["dense", "layer"] as const)("differentiates the pre-softmax score of the predicted class (softmax as %s)", (softmax) => {
    const model = confidentSoftmaxModel(softmax);
    const out = viz.gradCam(model, cornerImage());
    const cam = out.data.cam as number[][];
    // d logit0 / d channel0 at each position = 25/64; the softmax probability's gradient is ~1000x smaller.
    expect(Math.max(...cam.flat())).toBeCloseTo(25 / 64, 4);
    expect(cam[7]![7]).toBe(0);
    expect(out.data.classIndex).toBe(0); // the predicted class
    expect(out.data.predicted).toBe(0);
    expect(out.data.probability).toBeGreaterThan(0.999);
    expect(out.toString()).toMatch(/^Grad-CAM of layer conv \(8x8\) for class 0 \(p = 0\.999\), the predicted class; gradients of the pre-softmax score/);
    model.dispose();
  });

  it("names classes, explains another class on request, and rejects bad classes and names", () => {
    const model = confidentSoftmaxModel("layer");
    const out = viz.gradCam(model, cornerImage(), { classIndex: 1, classNames: ["corner", "none"] });
    expect(out.toString()).toContain('for class "none" (1) (p = 0.000');
    expect(out.toString()).toContain('predicted "corner" (0), p = 0.999');
    expect(out.toString()).toContain("Note: the map is 0 everywhere");
    expect(() => viz.gradCam(model, cornerImage(), 5)).toThrow(/^viz\.gradCam: classIndex must be an integer in 0\.\.1; got 5\.$/);
    expect(() => viz.gradCam(model, cornerImage(), { classNames: ["one"] })).toThrow(/^viz\.gradCam: classNames has 1 names but the model has 2 classes\.$/);
    model.dispose();
  });

  it("draws panels of at least 192 px with a colour bar and a non-constant heatmap", () => {
    const model = confidentSoftmaxModel("layer");
    const png = decode(viz.gradCam(model, cornerImage(), { colormap: "turbo" }).data.png);
    // 8x8 input enlarged 24x: panels of 192 px. Layout: margin 4, two title lines of 14+2 px (+ margin 4), panels, tile labels 14, margin 4.
    const panelTop = 4 + 16 + 4 + 16;
    expect(png.height).toBe(panelTop + 192 + 14 + 4);
    expect(png.width).toBeGreaterThanOrEqual(4 + 3 * (192 + 2) + 12);
    const heatmapLeft = 4 + 192 + 2;
    expect(distinctColours(png, heatmapLeft, heatmapLeft + 192, panelTop + 10)).toBeGreaterThan(1);
    // The colour bar beside the overlay runs from turbo's last colour at the top to its first at the bottom.
    const barLeft = 4 + 3 * (192 + 2);
    const turbo = colormapTable("turbo");
    expect(pixel(png, barLeft + 5, panelTop)).toEqual(Array.from(turbo.slice(255 * 3, 256 * 3)));
    expect(pixel(png, barLeft + 5, panelTop + 191)).toEqual(Array.from(turbo.slice(0, 3)));
    model.dispose();
  });

  it("takes resnet18's block output (layer3 at 64x64 input, where layer4 is 2x2) and says why", () => {
    const net = models.create("resnet18", { inputShape: [64, 64, 3], numClasses: 3 });
    const image = tf.randomUniform([64, 64, 3], 0, 1, "float32", 1);
    const out = viz.gradCam(net, image);
    expect(out.data.layer).toBe("layer3");
    expect(out.data.size).toEqual([4, 4]);
    const text = out.toString();
    expect(text).toMatch(/^Grad-CAM of layer layer3 \(4x4\) for class \d \(p = [\d.]+\), the predicted class/);
    expect(text).toContain('Note: layer4 (2x2) is smaller than 4x4 at this input size, so layer3 is shown; pass { layer: "layer4" } to use it anyway.');
    const png = decode(out.data.png);
    expect(Math.min(png.width, png.height)).toBeGreaterThanOrEqual(192);
    // Asking for the last stage by its features name still works and is named with its size.
    expect(viz.gradCam(net, image, { layer: "layer4" }).toString()).toMatch(/^Grad-CAM of layer layer4 \(2x2\)/);
    net.dispose();
  });

  it("moves convnext_atto at 32x32 from the 1x1 last stage to stages.1 (4x4), for Grad-CAM and Eigen-CAM", () => {
    const net = models.create("convnext_atto", { inputShape: [32, 32, 3], numClasses: 3 });
    const image = tf.randomUniform([32, 32, 3], 0, 1, "float32", 2);
    const tensorsBefore = tf.memory().numTensors;
    const both = [viz.gradCam(net, image), viz.eigenCam(net, image), viz.gradCam(net, image, { layer: "stages.0" })];
    expect(tf.memory().numTensors).toBe(tensorsBefore); // nothing left behind
    expect(both[2]!.toString()).toMatch(/^Grad-CAM of layer stages\.0 \(8x8\)/);
    for (const out of both.slice(0, 2)) {
      expect(out.data.layer).toBe("stages.1");
      expect(out.toString()).toContain("stages.1 (4x4)");
      expect(out.toString()).toContain("stages.3 (1x1) is smaller than 4x4");
    }
    const eigen = viz.eigenCam(net, image, { classNames: ["circle", "square", "triangle"] });
    expect(eigen.toString()).toMatch(/^Eigen-CAM of layer stages\.1 \(4x4\); predicted "(circle|square|triangle)" \(\d\), p = [\d.]+/);
    const cam = eigen.data.cam as number[][];
    expect(new Set(cam.flat()).size).toBeGreaterThan(1); // not a flat (black) map
    net.dispose();
  });

  it("refuses a ViT in one line that points to viz.attentionMaps", () => {
    const vit = models.create("vit_tiny_patch4_32", { inputShape: [8, 8, 3], numClasses: 3, embedDim: 8, depth: 1, numHeads: 2 });
    const image = tf.randomUniform([8, 8, 3]);
    for (const explain of [() => viz.gradCam(vit, image), () => viz.eigenCam(vit, image), () => viz.featureMaps(vit, image)]) {
      expectOneLineError(explain, /works on token sequences, not 2-D maps .*use viz\.attentionMaps\(model, image\)/);
    }
    // Naming the patch embedding explicitly is still allowed.
    expect(viz.eigenCam(vit, image, { layer: "patch_embed.proj" }).data.layer).toBe("patch_embed.proj");
    vit.dispose();
  });
});

describe("viz.featureMaps defaults", () => {
  it("draws resnet18's stage outputs, not its 20 convolutions, with 64 px tiles and a note on the left-out stage", () => {
    const net = models.create("resnet18", { inputShape: [64, 64, 3], numClasses: 3 });
    const out = viz.featureMaps(net, tf.randomUniform([64, 64, 3], 0, 1, "float32", 3));
    expect(out.data.layers).toEqual(["act1", "layer1", "layer2", "layer3"]);
    expect(out.data.notes[0]).toBe("Left out (maps smaller than 4x4 at this input size): layer4 (2x2); name them in { layers } to see them.");
    expect(out.toString()).toContain("layer3: [4,4,256]");
    const png = decode(out.data.png);
    // 16 channels per layer in rows of 8 tiles of 64 px (+2 px gaps), margins 4.
    expect(png.width).toBe(4 + 8 * 64 + 7 * 2 + 4);
    // Each layer: label 16 px, two rows of (64 px tile + 14 px channel label), gap 2, margin 4.
    expect(png.height).toBe(4 + 4 * (16 + 2 * (64 + 14) + 2 + 4));
    net.dispose();
  });

  it("shows convnext_atto's usable stages at 32x32 and notes the 2x2 and 1x1 ones", () => {
    const net = models.create("convnext_atto", { inputShape: [32, 32, 3], numClasses: 3 });
    const image = tf.randomUniform([32, 32, 3], 0, 1, "float32", 4);
    const tensorsBefore = tf.memory().numTensors;
    const out = viz.featureMaps(net, image);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    expect(out.data.layers).toEqual(["stages.0", "stages.1"]);
    expect(out.data.notes[0]).toContain("stages.2 (2x2), stages.3 (1x1)");
    net.dispose();
  });
});
