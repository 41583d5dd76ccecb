/**
 * A model saved while frozen (models.freeze, then models.save) and loaded
 * again keeps its frozen layers out of training: their weights and their
 * BatchNorm moving statistics stay as they were through a fit, as before the save.
 */
import * as tf from "@tensorflow/tfjs";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { defaultFeatureLayers } from "../../../lib/models/features.js";
import { models } from "../../../lib/models/index.js";
import { fileSystemHandler } from "../../../lib/models/io.js";

beforeAll(async () => {
  await initBackend("wasm");
});

const frozenValues = (model: tf.LayersModel, count: number) =>
  model.layers.slice(0, count).flatMap((layer) => layer.getWeights().map((w) => Array.from(w.dataSync())));

async function fitOnce(model: tf.LayersModel): Promise<void> {
  model.compile({ optimizer: tf.train.sgd(0.1), loss: tf.losses.softmaxCrossEntropy });
  const x = tf.randomUniform([8, 16, 16, 3], 0, 1, "float32", 7);
  const y = tf.oneHot(tf.tensor1d([0, 1, 2, 0, 1, 2, 0, 1], "int32"), 3);
  await model.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
  tf.dispose([x, y]);
}

describe("a frozen model through models.save and models.load", () => {
  it("keeps the frozen layers' weights and BatchNorm statistics unchanged by a fit after loading", async () => {
    const net = models.create("resnet20", { inputShape: [16, 16, 3], numClasses: 3, headActivation: "linear" });
    models.freeze(net, { upTo: "layer2" });
    const frozenCount = net.layers.findIndex((layer) => layer.name === defaultFeatureLayers(net).layer2) + 1;
    const dir = join(mkdtempSync(join(tmpdir(), "tc-freeze-")), "model");
    await models.save(net, dir);
    net.dispose();

    const loaded = await models.load(dir);
    expect(loaded.layers.slice(0, frozenCount).every((layer) => !layer.trainable)).toBe(true);
    expect(loaded.layers.slice(frozenCount).every((layer) => layer.trainable)).toBe(true);
    const before = frozenValues(loaded, frozenCount);
    await fitOnce(loaded);
    expect(frozenValues(loaded, frozenCount)).toEqual(before);
    loaded.dispose();

    // The same file loaded by plain tfjs, without the rule: the frozen BatchNorms run in
    // training mode and their moving statistics move (what the rule prevents).
    const plain = await tf.loadLayersModel(fileSystemHandler(dir));
    const plainBefore = frozenValues(plain, frozenCount);
    await fitOnce(plain);
    expect(frozenValues(plain, frozenCount)).not.toEqual(plainBefore);
    plain.dispose();
  }, 60_000);
});
