// Trainable parameter counts of every ViT-family variant against the reference implementation (timm).
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, test } from "vitest";
import { getModelSpec } from "../../../lib/models/registry.js";
import "../../../lib/models/vit.js";
import "../../../lib/models/convit.js";
import "../../../lib/models/mixer.js";

/**
 * Reference counts with 1000 classes at 224x224 (10 classes at 32x32), each from timm's source
 * counted layer by layer and matching the timm model cards (5.7M, 22.1M, 86.6M, 5.9M, 5.7M, 18.5M, 59.9M).
 * The patch4_32 ones are timm's VisionTransformer(img_size=32, patch_size=4, num_classes=10).
 */
const REFERENCE_PARAMS: Record<string, number> = {
  vit_tiny_patch16_224: 5_717_416,
  vit_small_patch16_224: 22_050_664,
  vit_base_patch16_224: 86_567_656,
  vit_tiny_patch4_32: 5_362_762,
  vit_small_patch4_32: 21_342_346,
  deit_tiny_patch16_224: 5_717_416,
  deit_tiny_distilled_patch16_224: 5_910_800,
  convit_tiny: 5_710_512,
  mixer_s16_224: 18_528_264,
  mixer_b16_224: 59_880_472,
};

function trainableParams(model: tf.LayersModel): number {
  return model.trainableWeights.reduce((sum, w) => sum + tf.util.sizeFromShape(w.shape as number[]), 0);
}

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("ViT-family parameter counts equal timm's", () => {
  for (const [name, reference] of Object.entries(REFERENCE_PARAMS)) {
    test(name, () => {
      const spec = getModelSpec(name);
      expect(spec.referenceParams).toBe(reference);
      const before = tf.memory().numTensors;
      const model = spec.build({ ...spec.defaults });
      try {
        expect(trainableParams(model)).toBe(reference);
        expect(model.countParams()).toBe(reference); // no non-trainable weights either
      } finally {
        model.dispose();
      }
      expect(tf.memory().numTensors).toBe(before);
    }, 60_000);
  }

  test("options change the count as the formula says (vit_tiny_patch4_32 with 100 classes, depth 6)", () => {
    const spec = getModelSpec("vit_tiny_patch4_32");
    const model = spec.build({ ...spec.defaults, numClasses: 100, depth: 6 });
    try {
      // 6 fewer blocks of 12d² + 13d, and a head of 100 classes instead of 10.
      const d = 192;
      expect(trainableParams(model)).toBe(5_362_762 - 6 * (12 * d * d + 13 * d) + 90 * (d + 1));
    } finally {
      model.dispose();
    }
  });
});
