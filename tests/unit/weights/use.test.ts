import * as tf from "@tensorflow/tfjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { IMAGENET_CLASSES, models } from "../../../lib/models/index.js";
import { defaultFeatureLayers } from "../../../lib/models/features.js";
import { writeModelMetadata } from "../../../lib/models/metadata.js";
import { countTrainableParams } from "../../../lib/models/params.js";
import { expectOneLineError } from "../../helpers/one-line-error.js";

beforeAll(async () => {
  await initBackend("wasm");
});


describe("models.pretrainedConfig", () => {
  it("gives timm's config by name and by model, with the recorded source", () => {
    const byName = models.pretrainedConfig("resnet18");
    expect(byName).toMatchObject({ model: "resnet18", hubId: "timm/resnet18.a1_in1k", inputShape: [224, 224, 3], interpolation: "bicubic", cropPct: 0.95, numClasses: 1000 });
    expect(byName.source).toBeUndefined();
    const net = models.create("convnext_atto", { inputShape: [32, 32, 3], numClasses: 10 });
    expect(models.pretrainedConfig(net)).toMatchObject({ model: "convnext_atto", cropPct: 0.875 });
    writeModelMetadata(net, { pretrained: "timm/convnext_atto.d2_in1k" });
    expect(models.pretrainedConfig(net).source).toBe("timm/convnext_atto.d2_in1k");
    // A copy: editing it leaves the library's table alone.
    byName.mean[0] = 9;
    expect(models.pretrainedConfig("resnet18").mean[0]).toBe(0.485);
    net.dispose();
  });

  it("records the file a model was loaded from (models.create with pretrained)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), "tc-pretrained-")), "resnet18.safetensors");
    const original = models.create("resnet18", { inputShape: [32, 32, 3], numClasses: 4 });
    await models.save(original, path);
    const loaded = await models.create("resnet18", { inputShape: [32, 32, 3], pretrained: path });
    expect(models.pretrainedConfig(loaded)).toMatchObject({ model: "resnet18", hubId: "timm/resnet18.a1_in1k", source: path });
    original.dispose();
    loaded.dispose();
  });

  it("bad inputs get one-line errors", () => {
    expectOneLineError(() => models.pretrainedConfig("resnet20"), /"resnet20" has no published pretrained weights; try "resnet50"/);
    expectOneLineError(() => models.pretrainedConfig("resnt18"), /no model named "resnt18"; try "resnet18"/);
    expectOneLineError(() => models.pretrainedConfig("lenet5"), /"lenet5" has no published pretrained weights; models with them: resnet18, /);
    const input = tf.input({ shape: [4] });
    const plain = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor });
    expectOneLineError(() => models.pretrainedConfig(plain), /this model records no registry name .* pass the name instead/);
    expectOneLineError(() => models.pretrainedConfig(42 as never), /expected a model \(from models.create\) or a model name such as "resnet18", got number 42/);
  });
});

describe("models.decode", () => {
  it("ships the 1,000 ImageNet-1k class names in class order", () => {
    expect(IMAGENET_CLASSES).toHaveLength(1000);
    expect([IMAGENET_CLASSES[0], IMAGENET_CLASSES[207], IMAGENET_CLASSES[281], IMAGENET_CLASSES[999]]).toEqual(["tench", "golden retriever", "tabby", "toilet tissue"]);
  });

  it("softmaxes logits and keeps probabilities, per image, best first", () => {
    const logits = tf.tidy(() => tf.zeros([2, 1000]).add(tf.oneHot([207, 281], 1000).mul(5)).add(tf.oneHot([1, 2], 1000).mul(2)));
    const decoded = models.decode(logits, 3);
    expect(decoded).toHaveLength(2);
    const denominator = Math.exp(5) + Math.exp(2) + 998;
    expect(decoded[0][0]).toMatchObject({ index: 207, label: "golden retriever" });
    expect(decoded[0][0].probability).toBeCloseTo(Math.exp(5) / denominator, 6);
    expect(decoded[0][1]).toMatchObject({ index: 1, label: "goldfish" });
    expect(decoded[0][2]).toMatchObject({ index: 0, label: "tench" }); // ties: lower index first
    expect(decoded[1].map((c) => c.label)).toEqual(["tabby", "great white shark", "tench"]);
    const probabilities = tf.softmax(logits);
    const again = models.decode(probabilities, 3);
    expect(again[0][0].probability).toBeCloseTo(decoded[0][0].probability, 6);
    expect(models.decode(probabilities.slice([1, 0], [1, 1000]).reshape([1000]))[0]).toHaveLength(5);
  });

  it("bad inputs get one-line errors", () => {
    expectOneLineError(() => models.decode(tf.zeros([2, 10])), /the last dimension is 10, not 1000: these are not ImageNet-1k outputs \(shape \[2, 10\]\)/);
    expectOneLineError(() => models.decode(tf.zeros([2, 3, 1000])), /expected outputs of shape \[batch, 1000\] or \[1000\], got shape \[2, 3, 1000\]/);
    expectOneLineError(() => models.decode([0.1, 0.9] as never), /expected a tf.Tensor of classifier outputs \[batch, 1000\], got an array of length 2/);
    expectOneLineError(() => models.decode(tf.zeros([1, 1000]), 0), /k must be an integer from 1 to 1000, got 0/);
    expectOneLineError(() => models.decode(tf.fill([1, 1000], NaN)), /the outputs contain NaN/);
  });
});

describe("models.freeze", () => {
  function weightsOf(layers: tf.layers.Layer[]): Float32Array[] {
    return layers.flatMap((layer) => layer.getWeights().map((w) => w.dataSync().slice() as Float32Array));
  }
  function changed(a: Float32Array[], b: Float32Array[]): boolean[] {
    return a.map((w, i) => w.some((v, j) => v !== b[i][j]));
  }

  it("a fit after freeze leaves the frozen layers (BatchNorm statistics included) unchanged and trains the rest", async () => {
    const net = models.create("resnet20", { inputShape: [16, 16, 3], numClasses: 3, headActivation: "linear" });
    net.compile({ optimizer: tf.train.adam(0.01), loss: tf.losses.softmaxCrossEntropy }); // compiled before freezing
    const all = countTrainableParams(net);
    const trainable = models.freeze(net, { upTo: "layer2" });
    const last = net.layers.findIndex((layer) => layer.name === defaultFeatureLayers(net).layer2);
    expect(last).toBeGreaterThan(0);
    const frozen = net.layers.slice(0, last + 1);
    const rest = net.layers.slice(last + 1);
    expect(frozen.every((layer) => !layer.trainable) && rest.every((layer) => layer.trainable)).toBe(true);
    expect(trainable).toBe(countTrainableParams(net));
    expect(trainable).toBeGreaterThan(0);
    expect(trainable).toBeLessThan(all);
    const frozenBefore = weightsOf(frozen);
    const restBefore = weightsOf(rest);
    const x = tf.randomUniform([8, 16, 16, 3], 0, 1, "float32", 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
    await net.fit(x, y, { epochs: 2, batchSize: 4, verbose: 0 });
    expect(changed(frozenBefore, weightsOf(frozen)).some(Boolean)).toBe(false);
    expect(changed(restBefore, weightsOf(rest)).filter(Boolean).length).toBeGreaterThan(restBefore.length / 2);

    // Unfreeze: everything trains again, frozen layers included.
    expect(models.unfreeze(net)).toBe(all);
    await net.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    expect(changed(frozenBefore, weightsOf(frozen)).every(Boolean)).toBe(true);
    net.dispose();
  });

  it("defaults to the whole backbone, and takes layer names and indices", () => {
    const net = models.create("resnet20", { inputShape: [16, 16, 3], numClasses: 3 });
    expect(models.freeze(net)).toBe(countTrainableParams(net));
    expect(net.trainableWeights.map((w) => w.originalName)).toEqual(["fc/kernel", "fc/bias"]);
    expect(countTrainableParams(net)).toBe(64 * 3 + 3);
    models.freeze(net, { upTo: -2 });
    expect(net.layers.filter((layer) => layer.trainable).map((layer) => layer.name)).toEqual(["head.softmax"]);
    models.freeze(net, { upTo: 1 });
    expect(net.layers.slice(0, 2).every((layer) => !layer.trainable) && net.layers.slice(2).every((layer) => layer.trainable)).toBe(true);
    models.freeze(net, { upTo: net.layers[5].name });
    expect(net.layers[5].trainable).toBe(false);
    expect(net.layers[6].trainable).toBe(true);
    net.dispose();
    // A ViT's backbone ends with its last block: the final norm and the head train.
    const vit = models.create("vit_tiny_patch16_224", { inputShape: [32, 32, 3], numClasses: 5 });
    models.freeze(vit);
    expect(vit.layers.filter((layer) => layer.trainable && layer.weights.length).map((layer) => layer.name)).toEqual(["norm", "head"]);
    vit.dispose();
  });

  it("bad inputs get one-line errors", () => {
    const net = models.create("resnet20", { inputShape: [16, 16, 3], numClasses: 3 });
    expectOneLineError(() => models.freeze(net, { upTo: "layr3" }), /models.freeze: no layer or feature named "layr3"; try "layer3"/);
    expectOneLineError(() => models.freeze(net, { upTo: 999 }), /upTo index 999 is out of range; the model has \d+ layers/);
    expectOneLineError(() => models.freeze(net, { upTo: 1.5 }), /upTo index 1.5 is out of range/);
    expectOneLineError(() => models.freeze(net, { upTo: true as never }), /upTo must be a feature name, a layer name or an index, got boolean true/);
    expectOneLineError(() => models.freeze(net, { upto: "layer3" } as never), /unknown option "upto"; the only option is upTo/);
    expectOneLineError(() => models.freeze(null as never), /models.freeze: the first argument must be a tf.LayersModel .* got null/);
    expectOneLineError(() => models.unfreeze("resnet20" as never), /models.unfreeze: the first argument must be a tf.LayersModel/);
    const input = tf.input({ shape: [4] });
    const dense = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(input) as tf.SymbolicTensor });
    expectOneLineError(() => models.freeze(dense), /this model has no feature points to find its backbone; pass \{ upTo/);
    net.dispose();
  });
});
