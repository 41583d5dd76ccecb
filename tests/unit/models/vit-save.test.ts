// Save/load round trips of the ViT families (custom layers included) reproduce predictions exactly.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { attentionMaps } from "../../../lib/layers/attention_maps.js";
import { getModelSpec, type ModelOptions } from "../../../lib/models/registry.js";
import { loadModel, saveModel } from "../../../lib/models/io.js";
import "../../../lib/models/vit.js";
import "../../../lib/models/convit.js";
import "../../../lib/models/mixer.js";
import { useTrainingBackend } from "./vit-backend.js";

let tmp = "";
beforeAll(async () => {
  await useTrainingBackend();
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "tensorcell-vit-save-"));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Saves to memory (tf.io.withSaveHandler) and loads back (tf.io.fromMemory). */
async function roundTripInMemory(model: tf.LayersModel): Promise<tf.LayersModel> {
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save(
    tf.io.withSaveHandler(async (saved) => {
      artifacts = saved;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON" } };
    }),
  );
  return tf.loadLayersModel(tf.io.fromMemory(artifacts!));
}

// Small but complete configurations: every custom layer appears (ClassToken with 1 and 2 tokens,
// PositionEmbedding, MultiHeadSelfAttention, GPSA, TokenPooling in both modes).
const CASES: [string, ModelOptions][] = [
  ["vit_tiny_patch4_32", { inputShape: [16, 16, 3], depth: 2 }],
  ["deit_tiny_distilled_patch16_224", { inputShape: [32, 32, 3], patchSize: 8, depth: 2, numClasses: 7 }],
  ["convit_tiny", { inputShape: [32, 32, 3], patchSize: 8, depth: 3, localUpToLayer: 2, numClasses: 5 }],
  ["mixer_s16_224", { inputShape: [32, 32, 3], patchSize: 8, hiddenDim: 32, depth: 2, tokensMlpDim: 16, channelsMlpDim: 64, numClasses: 3 }],
];

describe("save/load round trip", () => {
  for (const [name, overrides] of CASES) {
    test(`${name}: tf.io memory handlers and models.save/load give identical predictions`, async () => {
      const spec = getModelSpec(name);
      const options = { ...spec.defaults, ...overrides };
      const model = spec.build(options);
      // One training step first, so the saved weights are not just their initial values.
      model.compile({ optimizer: tf.train.adam(1e-2), loss: "categoricalCrossentropy" });
      const images = tf.randomUniform([2, ...options.inputShape], 0, 1, "float32", 5);
      const labels = tf.oneHot(tf.tensor1d([0, 1], "int32"), options.numClasses);
      await model.trainOnBatch(images, labels);
      const expected = (model.predict(images) as tf.Tensor).dataSync();

      const fromMemory = await roundTripInMemory(model);
      const dir = path.join(tmp, name);
      await saveModel(model, dir);
      const fromDisk = await loadModel(dir);
      for (const loaded of [fromMemory, fromDisk]) {
        expect(loaded.layers.map((l) => l.getClassName())).toEqual(model.layers.map((l) => l.getClassName()));
        expect(loaded.countParams()).toBe(model.countParams());
        expect([...(loaded.predict(images) as tf.Tensor).dataSync()]).toEqual([...expected]);
      }
      if (name !== "mixer_s16_224") {
        const before = attentionMaps(model, images);
        const after = attentionMaps(fromDisk, images);
        expect(after.map((m) => m.layer)).toEqual(before.map((m) => m.layer));
        expect([...after[0].attention.dataSync()]).toEqual([...before[0].attention.dataSync()]);
        tf.dispose([...before, ...after].map((m) => m.attention));
      }
      tf.dispose([images, labels]);
      for (const m of [model, fromMemory, fromDisk]) m.dispose();
    }, 60_000);
  }
});
