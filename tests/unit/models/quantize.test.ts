// models.quantize: post-training int8 quantization (per channel / per tensor,
// calibrated activations), quantization-aware training (8 and 4 bits), the
// int8 save format, and the one-line errors for options a model cannot take.
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { expectOneLineRejection } from "../../helpers/one-line-error.js";
import { initBackend } from "../../../lib/backend/index.js";
import { mnist } from "../../../lib/data/mnist.js";
import { models } from "../../../lib/models/index.js";

let root: string;
let images: tf.Tensor;
let targets: tf.Tensor;
beforeAll(async () => {
  await initBackend("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-quantize-"));
  const set = mnist({ split: "train", limit: 256 });
  images = set.images;
  targets = set.oneHot();
});
afterAll(async () => {
  tf.dispose([images, targets]);
  await rm(root, { recursive: true, force: true });
});

/** ||a - b|| / ||b|| of two models' outputs on the same input. */
function relativeError(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): number {
  return tf.tidy(() => {
    const ya = a.predict(x) as tf.Tensor;
    const yb = b.predict(x) as tf.Tensor;
    return tf.div(tf.norm(tf.sub(ya, yb)), tf.norm(yb)).dataSync()[0];
  });
}

describe("models.quantize", () => {
  test("int8 per channel (weights and calibrated activations) stays close to float on mnist_cnn; per tensor and 4 bits are further off", async () => {
    const net = models.create("mnist_cnn", { headActivation: "linear" });
    const x = images.slice(0, 64);
    const calibration = images.slice(64, 128);
    const perChannel = await models.quantize(net, { weights: "int8", perChannel: true, activations: "int8", calibration });
    const weightsOnly = await models.quantize(net, { weights: "int8", perChannel: true, activations: "none" });
    const perTensor = await models.quantize(net, { perChannel: false, activations: "int8", calibration });
    const fourBit = await models.quantize(net, { bits: 4, activations: "none" });
    const errors = {
      perChannel: relativeError(perChannel, net, x),
      weightsOnly: relativeError(weightsOnly, net, x),
      perTensor: relativeError(perTensor, net, x),
      fourBit: relativeError(fourBit, net, x),
    };
    console.log("quantize relative output error", errors);
    expect(errors.weightsOnly).toBeGreaterThan(0); // it really quantizes
    expect(errors.weightsOnly).toBeLessThan(0.02);
    expect(errors.perChannel).toBeLessThan(0.05);
    expect(errors.perTensor).toBeGreaterThan(errors.weightsOnly);
    expect(errors.fourBit).toBeGreaterThan(errors.weightsOnly);
    // The original keeps its float weights.
    expect(models.nameOf(perChannel)).toBe("mnist_cnn");
    tf.dispose([x, calibration]);
    for (const m of [net, perChannel, weightsOnly, perTensor, fourBit]) m.dispose();
  }, 120_000);

  test("quantization-aware training: fit lowers the loss through the fake-quantized layers, at 8 and 4 bits", async () => {
    for (const bits of [8, 4] as const) {
      const net = models.create("lenet5", { inputShape: [28, 28, 1], activation: "relu" });
      // 8 bits: ranges calibrated, then tracked; 4 bits: no calibration, ranges start from the first training batch.
      const calibration = bits === 8 ? images.slice(0, 64) : undefined;
      const qat = await models.quantize(net, { training: true, bits, activations: "int8", calibration });
      qat.compile({ optimizer: tf.train.adam(3e-3), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
      const before = tf.tidy(() => (qat.evaluate(images, targets) as tf.Scalar[])[0].dataSync()[0]);
      await qat.fit(images, targets, { epochs: 4, batchSize: 32, verbose: 0 });
      const after = tf.tidy(() => (qat.evaluate(images, targets) as tf.Scalar[])[0].dataSync()[0]);
      console.log(`QAT ${bits}-bit loss ${before.toFixed(3)} -> ${after.toFixed(3)}`);
      expect(after).toBeLessThan(0.7 * before);
      expect(Object.keys(qat.getUserDefinedMetadata() ? (qat.getUserDefinedMetadata() as { tensorcell: { quantization: { ranges: object } } }).tensorcell.quantization.ranges : {})).toEqual(["C1", "C3", "C5", "F6", "output"]);
      // Trained weights are the copy's: the float original is unchanged.
      expect(tf.tidy(() => tf.sub(net.getWeights()[0], qat.getWeights()[0]).abs().max().dataSync()[0])).toBeGreaterThan(0);
      net.dispose();
      qat.dispose();
    }
  }, 300_000);

  test("models.save stores int8 weights (about 4x smaller) and models.load gives the same predictions", async () => {
    const net = models.create("mnist_cnn");
    const q = await models.quantize(net, { perChannel: true, activations: "int8", calibration: images.slice(0, 64) });
    await models.save(net, join(root, "float"));
    await models.save(q, join(root, "int8"));
    const floatBytes = (await stat(join(root, "float", "weights.bin"))).size;
    const int8Bytes = (await stat(join(root, "int8", "weights.bin"))).size;
    console.log(`weights.bin float ${floatBytes} B, int8 ${int8Bytes} B, ratio ${(floatBytes / int8Bytes).toFixed(2)}`);
    expect(floatBytes / int8Bytes).toBeGreaterThan(3.8);
    const loaded = await models.load(join(root, "int8"));
    const x = images.slice(0, 32);
    const diff = tf.tidy(() => tf.sub(loaded.predict(x) as tf.Tensor, q.predict(x) as tf.Tensor).abs().max().dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    expect(relativeError(loaded, net, x)).toBeGreaterThan(0); // still quantized after loading
    tf.dispose(x);
    for (const m of [net, q, loaded]) m.dispose();
  }, 120_000);

  test("resnet20 (BatchNorm, option-A shortcuts) quantizes, saves and loads with the same predictions", async () => {
    const net = models.create("resnet20", { inputShape: [8, 8, 3], numClasses: 3 });
    const x = tf.randomUniform([8, 8, 8, 3], 0, 1, "float32", 2);
    const q = await models.quantize(net, { perChannel: true, activations: "int8", calibration: x });
    expect(relativeError(q, net, x)).toBeLessThan(0.1);
    await models.save(q, join(root, "resnet20"));
    const loaded = await models.load(join(root, "resnet20"));
    const diff = tf.tidy(() => tf.sub(loaded.predict(x) as tf.Tensor, q.predict(x) as tf.Tensor).abs().max().dataSync()[0]);
    expect(diff).toBeLessThan(1e-5);
    tf.dispose(x);
    for (const m of [net, q, loaded]) m.dispose();
  }, 60_000);

  test("options the model cannot take give one-line errors", async () => {
    const net = models.create("lenet5", { inputShape: [28, 28, 1] });
    const oneLine = (options: unknown, pattern: RegExp) => expectOneLineRejection(models.quantize(net, options as never), pattern);
    await oneLine({ bits: 3 }, /models\.quantize: bits must be 8 or 4, got 3/);
    await oneLine({ weights: "int4" }, /weights must be "int8" \(use bits: 4/);
    await oneLine({ perChannel: true, layers: ["S2"] }, /layer "S2" \(AveragePooling2D\) has no output channels to quantize per channel; quantizable layers: C1, C3/);
    await oneLine({ layers: ["nope"] }, /no layer named "nope"/);
    await oneLine({ activations: "int8" }, /activations "int8" needs calibration batches/);
    await oneLine({ activations: "int16" }, /activations must be "int8" or "none"/);
    await oneLine({ activations: "int8", calibration: tf.zeros([4, 32, 32, 1]) }, /calibration batch of shape \[4, 32, 32, 1\] does not fit the model input \[batch, 28, 28, 1\]/);
    await oneLine({ perChanel: true }, /unknown option "perChanel"/);
    await oneLine({ training: "yes" }, /training must be true or false/);
    const q = await models.quantize(net);
    await expect(models.quantize(q)).rejects.toThrow(/already quantized/);
    await expect(models.quantize({} as never)).rejects.toThrow(/must be a tf\.LayersModel/);
    const flat = tf.sequential({ layers: [tf.layers.flatten({ inputShape: [2, 2] })] });
    await expect(models.quantize(flat)).rejects.toThrow(/no Conv1D, Conv2D, DepthwiseConv2D or Dense layer/);
    net.dispose();
    q.dispose();
  }, 60_000);
});
