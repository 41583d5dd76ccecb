/**
 * Inception-v4, Inception-ResNet-v2, SPNASNet and NASNet-A Large against timm:
 * logits equal timm's for the same weights (reduced configs of timm's own
 * modules, fixtures written by tests/fixtures/<family>/generate.py, loaded
 * through lib/weights' timm loader and saved back as timm's state dict), parameter
 * counts equal timm's, feature names are timm's feature_info modules, a few
 * training steps lower the loss, save/load round-trips, and bad inputs get
 * one-line errors. Runs on wasm; the full-size default-input forward passes
 * are in bench/models/large-forward.ts.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { countTrainableParams, models } from "../../../lib/models/index.js";
import { buildInceptionResNetV2, type InceptionResNetV2Config } from "../../../lib/models/inception_resnet_v2.js";
import { buildInceptionV4, type InceptionV4Config } from "../../../lib/models/inception_v4.js";
import { buildNASNet, type NASNetConfig } from "../../../lib/models/nasnet.js";
import type { ResolvedModelOptions } from "../../../lib/models/options.js";
import { getModelSpec } from "../../../lib/models/registry.js";
import { buildSPNASNet, type SPNASNetConfig } from "../../../lib/models/spnasnet.js";
import { seed, unseed } from "../../../lib/repro/index.js";
import { expectSafetensorsRoundTrip, FIXTURES, loadReference, readParityFixture, relativeError } from "./parity-fixtures.js";

/**
 * Lets the worker answer vitest's messages between long synchronous tfjs calls
 * (awaiting resolved promises does not; a minute without it ends in "Timeout
 * calling onTaskUpdate" on a loaded machine).
 */
const breathe = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  expect(tf.getBackend()).toBe("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-inception-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

interface FamilyCase {
  /** Registry name. */
  name: string;
  /** tensorcell family (lib/weights/timm map). */
  family: string;
  /** timm's trainable parameters at the default config (1000 classes). */
  params: number;
  /** timm's feature_info module names. */
  features: string[];
  /** The smallest input the architecture takes. */
  minInputSize: number;
  /** Fixture file under tests/fixtures. */
  fixture: string;
  /** Builds the family's reduced config (the fixture's) with given options. */
  reduced: (config: Record<string, unknown>, options: ResolvedModelOptions) => tf.LayersModel;
  /** Run the smallest-input forward on the reduced config (the named network is too slow to build in a unit test). */
  forwardReduced?: boolean;
  /** Training input side and Adam learning rate, when not the fixture's input and 0.001. */
  training?: { size: number; learningRate: number; steps: number };
}

const cases: FamilyCase[] = [
  {
    name: "inception_v4",
    family: "inception_v4",
    params: 42_679_816,
    features: ["features.2", "features.3", "features.9", "features.17", "features.21"],
    minInputSize: 75,
    fixture: "inception_v4/inception_v4_reduced.safetensors",
    reduced: (config, options) => buildInceptionV4(config as unknown as InceptionV4Config, options, "inception_v4_reduced"),
  },
  {
    name: "inception_resnet_v2",
    family: "inception_resnet_v2",
    params: 55_843_464,
    features: ["conv2d_2b", "conv2d_4a", "repeat", "repeat_1", "conv2d_7b"],
    minInputSize: 75,
    fixture: "inception_resnet_v2/inception_resnet_v2_reduced.safetensors",
    reduced: (config, options) => buildInceptionResNetV2(config as unknown as InceptionResNetV2Config, options, "inception_resnet_v2_reduced"),
  },
  {
    name: "spnasnet_100",
    family: "spnasnet",
    params: 4_421_616,
    features: ["blocks.0", "blocks.1", "blocks.2", "blocks.4", "blocks.6"],
    minInputSize: 32,
    fixture: "spnasnet/spnasnet_reduced.safetensors",
    reduced: (config, options) => buildSPNASNet(config as unknown as SPNASNetConfig, options, "spnasnet_reduced"),
  },
  {
    name: "nasnetalarge",
    family: "nasnet",
    params: 88_753_150,
    features: ["conv0", "cell_stem_1.conv_1x1.act", "reduction_cell_0.conv_1x1.act", "reduction_cell_1.conv_1x1.act", "act"],
    minInputSize: 32,
    fixture: "nasnet/nasnetalarge_reduced.safetensors",
    reduced: (config, options) => buildNASNet(config as unknown as NASNetConfig, options, "nasnetalarge_reduced"),
    // 88.75M parameters take minutes to initialise on a shared 2-core machine; the named network's
    // forward pass at 331x331 is in bench/models/large-forward.ts.
    forwardReduced: true,
    // With 4-channel branches, three samples and 1x1 maps at the end (32x32), batch-statistics
    // BatchNorm makes single steps erratic; at 48x48 the last maps are 2x2.
    training: { size: 48, learningRate: 0.0003, steps: 3 },
  },
];

/** A fixture of tests/fixtures/timm/timm_fixture.py: timm's state dict with its NCHW __input__ and __logits__. */
function readTimmFixture(path: string) {
  const { weights, tensors, config } = readParityFixture(path, ["__input__", "__logits__"]);
  const nchw = tensors.get("__input__")!;
  const input = nchw.transpose([0, 2, 3, 1]);
  nchw.dispose();
  return { weights, input, logits: tensors.get("__logits__")!, params: Number(weights.metadata.params), config: config as Record<string, unknown> & { numClasses: number; inputShape: number[] } };
}

describe.each(cases)("$name", (family) => {
  test("gives timm's logits for timm's weights (reduced config, eval mode); saved as timm's state dict, loads back", async () => {
    await breathe();
    const fixture = readTimmFixture(join(FIXTURES, family.fixture));
    const { numClasses, inputShape } = fixture.config;
    const build = () => family.reduced(fixture.config, { numClasses, inputShape, headActivation: "linear" });
    const model = build();
    loadReference(model, fixture.weights, family.fixture, family.family);
    expect(countTrainableParams(model)).toBe(fixture.params);
    const logits = model.predict(fixture.input) as tf.Tensor;
    expect(logits.shape).toEqual([fixture.input.shape[0], numClasses]);
    expect(relativeError(logits, fixture.logits)).toBeLessThan(1e-4);
    await expectSafetensorsRoundTrip(model, fixture.weights, join(root, `${family.name}.safetensors`), fixture.input, (path) => {
      const again = build();
      loadReference(again, readParityFixture(path).weights, path, family.family);
      return again;
    });
    tf.dispose([logits, fixture.input, fixture.logits]);
    model.dispose();
  }, 180_000);

  test("models.info: paper and timm's parameter count", { timeout: 600_000 }, async () => {
    await breathe();
    const info = models.info(family.name);
    expect(info.params).toBe(family.params);
    expect(getModelSpec(family.name).referenceParams).toBe(family.params);
    expect(info.paper.length).toBeGreaterThan(20);
    expect(info.numClasses).toBe(1000);
  });

  test("forward on the smallest input, with timm's feature names", { timeout: 600_000 }, async () => {
    await breathe();
    const size = family.minInputSize;
    const options = { inputShape: [size, size, 3], numClasses: 5, headActivation: "softmax" };
    const fixture = family.forwardReduced ? readTimmFixture(join(FIXTURES, family.fixture)) : undefined;
    const model = fixture ? family.reduced(fixture.config, options) : models.create(family.name, options);
    if (fixture) tf.dispose([fixture.input, fixture.logits]);
    await breathe();
    const x = tf.randomUniform([1, size, size, 3]);
    const output = model.predict(x) as tf.Tensor;
    await breathe();
    expect(output.shape).toEqual([1, 5]);
    expect(output.sum().dataSync()[0]).toBeCloseTo(1, 4);
    const features = models.features(model, x);
    expect(Object.keys(features)).toEqual(family.features);
    const sides = Object.values(features).map((f) => f.shape[1]);
    expect(sides.at(-1)).toBe(1);
    tf.dispose([x, output, ...Object.values(features)]);
    model.dispose();
  });

  test("a too-small input and a misspelt name get one-line errors", () => {
    const size = family.minInputSize - 1;
    expect(() => models.create(family.name, { inputShape: [size, size, 3] })).toThrow(
      new RegExp(`input ${size}x${size} is too small.*at least ${family.minInputSize}`),
    );
    expect(() => models.create(`${family.name}x`)).toThrow(`Did you mean "${family.name}"`);
  });

  test("training lowers the loss; save/load round-trips (reduced config)", { timeout: 600_000 }, async () => {
    seed(1);
    const fixture = readTimmFixture(join(FIXTURES, family.fixture));
    tf.dispose([fixture.input, fixture.logits]);
    const classes = 3;
    const { size, learningRate, steps } = family.training ?? { size: fixture.config.inputShape[0], learningRate: 0.001, steps: 4 };
    const inputShape = [size, size, 3];
    const model = family.reduced(fixture.config, { numClasses: classes, inputShape, headActivation: "softmax" });
    const x = tf.randomNormal([classes, ...inputShape], 0, 1, "float32", 7);
    const y = tf.oneHot(tf.range(0, classes, 1, "int32"), classes);
    model.compile({ optimizer: tf.train.adam(learningRate), loss: "categoricalCrossentropy" });
    const losses: number[] = [];
    for (let step = 0; step < steps; step++) {
      losses.push((await model.trainOnBatch(x, y)) as number);
      await breathe();
    }
    losses.forEach((loss) => expect(Number.isFinite(loss)).toBe(true));
    expect(losses.at(-1)!).toBeLessThan(losses[0]);
    const dir = join(root, family.name);
    await models.save(model, dir);
    await breathe();
    const loaded = await models.load(dir);
    await breathe();
    const before = model.predict(x) as tf.Tensor;
    const after = loaded.predict(x) as tf.Tensor;
    expect(Array.from(after.dataSync())).toEqual(Array.from(before.dataSync()));
    tf.dispose([x, y, before, after]);
    model.dispose();
    loaded.dispose();
  });
});

describe("spnasnet_100 dropPathRate", () => {
  test("block j of n drops with rate r * j / n (timm's ramp); bad rates get one line", () => {
    const model = models.create("spnasnet_100", { inputShape: [32, 32, 3], numClasses: 3, dropPathRate: 0.2 });
    const rates = model.layers.filter((l) => l.getClassName() === "DropPath").map((l) => [l.name, (l as unknown as { rate: number }).rate]);
    // 21 blocks; the residual ones are blocks.1.1 (index 2) ... blocks.5.3 (index 19). timm
    // (drop_path_rate=0.2) gives blocks.1.1 0.2 * 2 / 21 = 0.01905 as well.
    expect(rates[0]).toEqual(["blocks.1.1.drop_path", (0.2 * 2) / 21]);
    expect(rates.at(-1)).toEqual(["blocks.5.3.drop_path", (0.2 * 19) / 21]);
    model.dispose();
    expect(() => models.create("spnasnet_100", { dropPathRate: 1.5 })).toThrow("option dropPathRate must be a number in [0, 1)");
  });
});
