/** viz helpers accept the feature names models.features uses ("stages.0"), not only layer names. */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { setFeatureLayers } from "../../../lib/models/metadata.js";
import { viz } from "../../../lib/viz/index.js";

describe("feature names in viz", () => {
  beforeAll(async () => {
    await tf.setBackend("cpu");
  });

  it("resolves a models.features name to its layer in featureMaps", () => {
    const input = tf.input({ shape: [8, 8, 1] });
    const conv = tf.layers.conv2d({ filters: 2, kernelSize: 3, padding: "same", name: "stage_block_last" }).apply(input) as tf.SymbolicTensor;
    const pooled = tf.layers.globalAveragePooling2d({}).apply(conv) as tf.SymbolicTensor;
    const model = setFeatureLayers(tf.model({ inputs: input, outputs: pooled }), { "stages.0": "stage_block_last" });
    const byFeature = viz.featureMaps(model, tf.ones([1, 8, 8, 1]), { layers: ["stages.0"] });
    const byLayer = viz.featureMaps(model, tf.ones([1, 8, 8, 1]), { layers: ["stage_block_last"] });
    expect(byFeature.data.shapes["stages.0"]).toEqual([8, 8, 2]);
    expect(byLayer.data.shapes["stage_block_last"]).toEqual([8, 8, 2]);
    expect(() => viz.featureMaps(model, tf.ones([1, 8, 8, 1]), { layers: ["stages.9"] })).toThrow(/No layer named "stages.9"/);
  });
});
