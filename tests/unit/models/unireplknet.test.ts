/**
 * UniRepLKNet (unireplknet_a/f/p/n/t): parameter counts of the authors' code, logits of
 * the authors' code for the same weights (reduced configuration with every dwconv kind,
 * tests/fixtures/unireplknet/generate.py, loaded by lib/weights' loader and saved back in
 * the authors' layout), models.reparameterize against the reference's
 * own reparameterize_unireplknet(), training, save/load, features and bad input.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { countTrainableParams, models } from "../../../lib/models/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";
import { expectSafetensorsRoundTrip, loadReference, readParityFixture, relativeError } from "./parity-fixtures.js";

const FIXTURES = join(import.meta.dirname, "..", "..", "fixtures", "unireplknet");
// sum(p.numel() for p in unireplknet.<name>().parameters()), PyTorch 1.13; after
// reparameterize_unireplknet() in brackets.
const REFERENCE_PARAMS: Record<string, [number, number]> = {
  unireplknet_a: [4_649_060, 4_437_300],
  unireplknet_f: [6_489_328, 6_235_216],
  unireplknet_p: [11_080_520, 10_741_704],
  unireplknet_n: [18_818_880, 18_318_560],
  unireplknet_t: [31_693_420, 31_037_980],
};

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-unireplknet-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

/** Lets the worker's event loop run (vitest's progress messages) between long synchronous steps. */
const breathe = () => new Promise((resolve) => setTimeout(resolve, 0));

function logitsOf(model: tf.LayersModel, input: tf.Tensor): Float32Array {
  return tf.tidy(() => (model.predict(input) as tf.Tensor).dataSync() as Float32Array);
}

describe("reference parameter counts and info", () => {
  test.each(Object.entries(REFERENCE_PARAMS))("%s: trainable parameters as the authors' code", (name, [reference]) => {
    const info = models.info(name);
    expect(info.params).toBe(reference);
    expect(info.family).toBe("unireplknet");
    expect(info.paper).toMatch(/UniRepLKNet/);
    expect(info.defaultInput).toEqual([224, 224, 3]);
  });

  test("unireplknet_a reparameterized has the reference's deploy count, fewer layers", () => {
    const model = models.create("unireplknet_a", { inputShape: [32, 32, 3] });
    const deploy = models.reparameterize(model);
    // The head is the same at any input size, so the counts are the 224x224 ones.
    expect(countTrainableParams(model)).toBe(REFERENCE_PARAMS.unireplknet_a[0]);
    expect(countTrainableParams(deploy)).toBe(REFERENCE_PARAMS.unireplknet_a[1]);
    expect(deploy.layers.length).toBeLessThan(model.layers.length);
    expect(models.nameOf(deploy)).toBe("unireplknet_a");
    model.dispose();
    deploy.dispose();
  });
});

describe("parity with the authors' code", () => {
  const trainPath = join(FIXTURES, "unireplknet.safetensors");
  const deployPath = join(FIXTURES, "unireplknet_deploy.safetensors");
  const train = readParityFixture(trainPath, ["input", "logits"]);
  const deployed = readParityFixture(deployPath, ["logits"]);
  const options = { ...train.config, headActivation: "linear" };
  const input = train.tensors.get("input")!;

  test("training form (reduced; dwconv none, 3, 5, 7..17) gives the reference logits; saved in the authors' layout, loads back", async () => {
    const model = models.create("unireplknet_a", options);
    loadReference(model, train.weights, trainPath);
    expect(relativeError(logitsOf(model, input), train.tensors.get("logits")!)).toBeLessThan(1e-4);
    await expectSafetensorsRoundTrip(model, train.weights, join(root, "train.safetensors"), input, (saved) => models.create("unireplknet_a", { ...options, pretrained: saved }));
    model.dispose();
  }, 120_000);

  test("deploy form with the reference's re-parameterised weights gives its logits; saved and loaded back", async () => {
    const model = models.create("unireplknet_a", { ...options, deploy: true });
    loadReference(model, deployed.weights, deployPath);
    expect(relativeError(logitsOf(model, input), deployed.tensors.get("logits")!)).toBeLessThan(1e-4);
    await expectSafetensorsRoundTrip(model, deployed.weights, join(root, "deploy.safetensors"), input, (saved) =>
      models.create("unireplknet_a", { ...options, deploy: true, pretrained: saved }),
    );
    model.dispose();
  }, 120_000);

  test("models.reparameterize gives the reference's deploy weights and the same outputs", () => {
    const model = models.create("unireplknet_a", options);
    loadReference(model, train.weights, trainPath);
    const deploy = models.reparameterize(model);
    expect(countTrainableParams(deploy)).toBeLessThan(countTrainableParams(model));
    expect(deploy.layers.length).toBeLessThan(model.layers.length);
    const before = logitsOf(model, input);
    const after = logitsOf(deploy, input);
    expect(relativeError(after, before)).toBeLessThan(1e-4);
    expect(relativeError(after, deployed.tensors.get("logits")!)).toBeLessThan(1e-4);
    // Weight by weight against the reference's reparameterize_unireplknet().
    const reference = models.create("unireplknet_a", { ...options, deploy: true });
    loadReference(reference, deployed.weights, deployPath);
    for (const layer of reference.layers) {
      const ours = deploy.getLayer(layer.name).getWeights();
      layer.getWeights().forEach((weight, i) => {
        expect(relativeError(ours[i].dataSync(), weight.dataSync()), `${layer.name} weight ${i}`).toBeLessThan(1e-5);
      });
    }
    model.dispose();
    deploy.dispose();
    reference.dispose();
  });
});

describe("forward, training, save/load, features", () => {
  test("unireplknet_a forward on the default 224x224 input", () => {
    const model = models.create("unireplknet_a");
    const output = model.predict(tf.randomUniform([1, 224, 224, 3], 0, 1, "float32", 3)) as tf.Tensor;
    expect(output.shape).toEqual([1, 1000]);
    expect(output.sum().dataSync()[0]).toBeCloseTo(1, 4);
    output.dispose();
    model.dispose();
  }, 120_000);

  test("a narrow unireplknet lowers the loss on wasm and round-trips save/load (training and deploy form)", async () => {
    seed(1);
    const narrow = { depths: [1, 1, 2, 1], dims: [8, 16, 16, 32], kernelSizes: [[3], [13], [13, 3], [7]] };
    const model = models.create("unireplknet_a", { ...narrow, dropPathRate: 0.1, inputShape: [32, 32, 3], numClasses: 3 });
    const x = tf.randomNormal([3, 32, 32, 3], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, 3, 1, "int32"), 3);
    model.compile({ optimizer: tf.train.adam(0.003), loss: "categoricalCrossentropy" });
    const losses: number[] = [];
    for (let step = 0; step < 4; step++) {
      losses.push((await model.trainOnBatch(x, y)) as number);
      await breathe();
    }
    expect(losses.every(Number.isFinite)).toBe(true);
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    const deploy = models.reparameterize(model);
    for (const [label, net] of [["train", model], ["deploy", deploy]] as const) {
      const dir = join(root, label);
      await models.save(net, dir);
      const loaded = await models.load(dir);
      await breathe();
      const before = net.predict(x) as tf.Tensor;
      const after = loaded.predict(x) as tf.Tensor;
      expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
      if (label === "train") {
        // The loaded model still knows it is a training-form UniRepLKNet.
        const again = models.reparameterize(loaded);
        const fused = again.predict(x) as tf.Tensor;
        expect(relativeError(fused.dataSync(), before.dataSync())).toBeLessThan(1e-4);
        tf.dispose(fused);
        again.dispose();
      } else {
        expect(() => models.reparameterize(loaded)).toThrow(/already in deploy form/);
      }
      tf.dispose([before, after]);
      loaded.dispose();
    }
    tf.dispose([x, y]);
    model.dispose();
    deploy.dispose();
  }, 240_000);

  test("features: stages.0..stages.3 at strides 4, 8, 16, 32", () => {
    const model = models.create("unireplknet_a", { inputShape: [64, 64, 3], numClasses: 2 });
    const maps = models.features(model, tf.zeros([1, 64, 64, 3]));
    expect(Object.fromEntries(Object.entries(maps).map(([k, v]) => [k, v.shape]))).toEqual({
      "stages.0": [1, 16, 16, 40],
      "stages.1": [1, 8, 8, 80],
      "stages.2": [1, 4, 4, 160],
      "stages.3": [1, 2, 2, 320],
    });
    tf.dispose(Object.values(maps));
    model.dispose();
  });
});

describe("bad input", () => {
  test("an unknown variant suggests close names", () => {
    expect(() => models.create("unireplknet_x")).toThrow(/Unknown model "unireplknet_x"\. Did you mean "unireplknet_/);
  });
  test("too small an input is a one-line error", () => {
    expect(() => models.create("unireplknet_a", { inputShape: [16, 16, 3] })).toThrow(/input 16x16 is too small.*at least 32/);
  });
  test("reparameterize on another model or a non-model is a one-line error", () => {
    const resnet = models.create("resnet20");
    expect(() => models.reparameterize(resnet)).toThrow(
      'models.reparameterize: "resnet20" is not a UniRepLKNet (family resnet); only unireplknet_* models have a deploy form.',
    );
    resnet.dispose();
    expect(() => models.reparameterize(42 as unknown as tf.LayersModel)).toThrow(/expected a UniRepLKNet model/);
  });
  test("reparameterize on a deploy-form model is a one-line error", () => {
    const deploy = models.create("unireplknet_a", { deploy: true, inputShape: [32, 32, 3] });
    expect(() => models.reparameterize(deploy)).toThrow('models.reparameterize: "unireplknet_a" is already in deploy form; reparameterize the training-form model.');
    deploy.dispose();
  });
  test("depths without default kernel sizes, and bad kernel sizes, are one-line errors", () => {
    expect(() => models.create("unireplknet_a", { depths: [1, 1, 1, 1] })).toThrow(/depths \[1, 1, 1, 1\] have no default kernel sizes; give kernelSizes/);
    expect(() => models.create("unireplknet_a", { depths: [1, 1, 1, 1], kernelSizes: [[3], [13], [12], [13]] })).toThrow(
      /option kernelSizes must give one kernel size per block \(lists of lengths 1, 1, 1, 1\), each one of 0, 3, 5, 7, 9, 11, 13, 15, 17/,
    );
    expect(() => models.create("unireplknet_a", { dims: [8, 16] })).toThrow(/option dims must be 4 integers of at least 4/);
  });
});
