/**
 * Faithfulness to the PyTorch references: small networks written module for
 * module after torchvision / timm / the authors' code (fixtures/
 * make_torch_reference.py) were run in PyTorch 1.13 with random weights,
 * randomised BatchNorm statistics and layer-scale gammas; their weights are
 * loaded into tensorcell's builders here (lib/weights' timm loader), which must
 * give the same logits.
 * This checks what parameter counts cannot: padding alignment of strided
 * convolutions, the option-A shortcut, channel LayerNorm, the InceptionNeXt
 * channel split, the NHWC flatten of LeNet-5, and the heads.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect, test } from "vitest";
import { buildConvNeXt, type ConvNeXtConfig } from "../../../lib/models/convnext.js";
import { buildInceptionNeXt, type InceptionNeXtConfig } from "../../../lib/models/inception_next.js";
import { models } from "../../../lib/models/index.js";
import { buildResNet, type ResNetConfig } from "../../../lib/models/resnet.js";
import type { SafetensorsFile } from "../../../lib/weights/safetensors.js";
import { loadReference, relativeError } from "./parity-fixtures.js";

interface TorchCase {
  builder: "resnet" | "convnext" | "inception_next" | "named";
  config?: unknown;
  name?: string;
  options?: Record<string, unknown>;
  inputShape: number[];
  numClasses: number;
  batch: number;
  input: string;
  logits: string;
  weights: Record<string, { shape: number[]; data: string }>;
}

const fixture = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "torch-reference.json"), "utf8")) as {
  cases: Record<string, TorchCase>;
};

beforeAll(async () => {
  await tf.setBackend("cpu");
});

function floats(base64: string): Float32Array {
  const bytes = Uint8Array.from(Buffer.from(base64, "base64")); // copy: aligned for Float32Array
  return new Float32Array(bytes.buffer);
}

function build(testCase: TorchCase, label: string): tf.LayersModel {
  const options = { inputShape: testCase.inputShape, numClasses: testCase.numClasses, headActivation: "linear" };
  switch (testCase.builder) {
    case "resnet":
      return buildResNet(testCase.config as ResNetConfig, options, label);
    case "convnext":
      return buildConvNeXt(testCase.config as ConvNeXtConfig, options, label);
    case "inception_next":
      return buildInceptionNeXt(testCase.config as InceptionNeXtConfig, options, label);
    case "named":
      return models.create(testCase.name!, { ...testCase.options, ...options });
  }
}

/** The case's weights as a state dict. */
function stateDict(testCase: TorchCase): SafetensorsFile {
  const tensors = new Map(
    Object.entries(testCase.weights).map(([key, entry]) => [key, { dtype: "F32" as const, shape: entry.shape, data: new Uint8Array(floats(entry.data).buffer) }]),
  );
  return { tensors, metadata: {} };
}

/** LeNet-5 and SimpleNet have no timm weights; their layers carry the reference's module names, so the generic layouts apply. */
function family(testCase: TorchCase) {
  if (testCase.builder !== "named") return testCase.builder;
  const name = models.info(testCase.name!).family;
  return { family: name, matches: () => false, classifier: [] };
}

test.each(Object.keys(fixture.cases))("%s gives PyTorch's logits with PyTorch's weights", (label) => {
  const testCase = fixture.cases[label];
  const model = build(testCase, label);
  // The loader checks that every PyTorch tensor found a home: no parameter of the reference is missing from ours.
  loadReference(model, stateDict(testCase), label, family(testCase));
  const x = tf.tensor(floats(testCase.input), [testCase.batch, ...testCase.inputShape]);
  const actual = model.predict(x) as tf.Tensor;
  expect(relativeError(actual, floats(testCase.logits))).toBeLessThan(1e-4);
  model.dispose();
  tf.dispose([x, actual]);
});
