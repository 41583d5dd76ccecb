/**
 * Trainable parameter counts of every standard CNN variant against the
 * reference implementations (default config: the reference input and classes).
 *
 * Sources:
 * - resnet18/34/50: torchvision / timm (model cards and `sum(p.numel())`): 11,689,512 / 21,797,672 / 25,557,032.
 * - resnet20/32/56: He et al. 2016 Table 6 (0.27M / 0.46M / 0.85M); exact figures of the option-A
 *   PyTorch reference (akamaster/pytorch_resnet_cifar10): 269,722 / 464,154 / 853,018.
 * - convnext_*: timm convnext.py. convnext_tiny 28,589,128 (timm / HF model card "28.6M").
 *   atto/femto/pico/nano counted with PyTorch 1.13 on a module-for-module transcription of timm's
 *   definition (the same script reproduces convnext_tiny exactly); timm's cards round them to
 *   3.7M / 5.2M / 9.1M / 15.6M. Note: an earlier brief quoted 3,716,768 for convnext_atto; timm's
 *   definition (depths 2-2-6-2, dims 40-80-160-320, conv_mlp) gives 3,695,520.
 * - inception_next_atto 4,156,520 (lucid-dl docs of the timm port), inception_next_tiny 28,055,680
 *   (same PyTorch transcription of timm inception_next.py; model card "28.1M").
 * - mnist_cnn 594,922 (tfjs-examples mnist-node, model.summary()).
 * - lenet5 61,706 (LeCun et al. 1998 with full C3 connectivity, the usual modern form).
 * - simplenet 5,498,378 (Coderx7/SimpleNet_Pytorch simplenet_cifar_5m: conv bias + BN affine, 10 classes).
 */
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect, test } from "vitest";
import { countTrainableParams, models } from "../../../lib/models/index.js";
import { getModelSpec } from "../../../lib/models/registry.js";

const REFERENCE_PARAMS: Record<string, number> = {
  lenet5: 61_706,
  mnist_cnn: 594_922,
  simplenet: 5_498_378,
  resnet18: 11_689_512,
  resnet34: 21_797_672,
  resnet50: 25_557_032,
  resnet20: 269_722,
  resnet32: 464_154,
  resnet56: 853_018,
  convnext_atto: 3_695_520,
  convnext_femto: 5_217_784,
  convnext_pico: 9_045_672,
  convnext_nano: 15_593_560,
  convnext_tiny: 28_589_128,
  inception_next_atto: 4_156_520,
  inception_next_tiny: 28_055_680,
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

test.each(Object.entries(REFERENCE_PARAMS))("%s has the reference trainable parameter count", (name, reference) => {
  const model = models.create(name);
  try {
    expect(countTrainableParams(model)).toBe(reference);
  } finally {
    model.dispose();
  }
});

test("the registry's referenceParams agree with this table", () => {
  for (const [name, reference] of Object.entries(REFERENCE_PARAMS)) {
    expect(getModelSpec(name).referenceParams, name).toBe(reference);
  }
});
