/**
 * SimpleNet (Hasanpour et al. 2016, "Lets keep it simple, Using simple
 * architectures to outperform deeper and more complex architectures"), the
 * 13-layer CIFAR network (the authors' PyTorch port, simplenet_cifar_5m):
 *
 *   conv 3x3: 64, 128, 128, 128 -> maxpool 2
 *             128, 128, 256     -> maxpool 2
 *             256, 256          -> maxpool 2
 *             512, conv 1x1 2048, conv 1x1 256 -> maxpool 2
 *             256
 *   -> global max pool -> Linear
 *
 * Every conv has a bias and is followed by BatchNorm (eps 1e-5, momentum 0.05)
 * and ReLU. 5,498,378 trainable parameters with 10 classes. As in the
 * reference port, the 1x1 convolutions keep padding=1 (each grows the map by
 * 2 pixels); weights use Xavier-uniform with ReLU gain. Options: scale (width
 * multiplier, as the reference's `scale`; default 1), headActivation, head ("softmax" | "svm": CNN-SVM).
 */
import * as tf from "@tensorflow/tfjs";
import { batchNormalization } from "../layers/batch_norm.js";
import { activation, apply, classifierModel, dense, type Node, numberOption, torchConv2d } from "./cnn_blocks.js";
import type { ResolvedModelOptions } from "./options.js";
import { registerModel } from "./registry.js";

/** One row of the table: a conv (filters, kernel) or a 2x2 max pool. */
export type SimpleNetLayer = { filters: number; kernel: 1 | 3 } | "pool";

const c3 = (filters: number): SimpleNetLayer => ({ filters, kernel: 3 });
const c1 = (filters: number): SimpleNetLayer => ({ filters, kernel: 1 });

/** simplenet_cifar_5m, in order. */
export const SIMPLENET_LAYERS: SimpleNetLayer[] = [
  c3(64), c3(128), c3(128), c3(128), "pool",
  c3(128), c3(128), c3(256), "pool",
  c3(256), c3(256), "pool",
  c3(512), c1(2048), c1(256), "pool",
  c3(256),
];

/** Builds SimpleNet. */
export function buildSimpleNet(options: ResolvedModelOptions): tf.LayersModel {
  const scale = numberOption(options.scale, 1, "scale", "simplenet", 0.01, 100);
  const images = tf.input({ shape: options.inputShape, name: "images" });
  // Xavier uniform with gain calculate_gain("relu") = sqrt(2): variance scale 2, fan_avg.
  const xavierRelu = () => tf.initializers.varianceScaling({ scale: 2, mode: "fanAvg", distribution: "uniform" });
  let x: Node = images;
  let conv = 0;
  let pool = 0;
  const features: Record<string, string> = {};
  for (const layer of SIMPLENET_LAYERS) {
    if (layer === "pool") {
      pool += 1;
      x = apply(tf.layers.maxPooling2d({ poolSize: 2, strides: 2, name: `pool${pool}` }), x);
      features[`pool${pool}`] = `pool${pool}`;
      continue;
    }
    conv += 1;
    x = torchConv2d(x, { filters: Math.max(1, Math.round(layer.filters * scale)), kernelSize: layer.kernel, padding: 1, kernelInitializer: xavierRelu(), name: `conv${conv}` });
    // PyTorch BatchNorm2d(momentum=0.05) keeps 95% of the running statistics: tfjs momentum 0.95.
    x = apply(batchNormalization({ momentum: 0.95, epsilon: 1e-5, name: `bn${conv}` }), x);
    x = activation(x, "relu", `relu${conv}`);
  }
  x = apply(tf.layers.globalMaxPooling2d({ name: "global_pool" }), x);
  return classifierModel(images, dense(x, options.numClasses, "classifier"), options, "simplenet", features);
}

registerModel({
  name: "simplenet",
  family: "simplenet",
  paper: 'Hasanpour et al. 2016, "Lets keep it simple, Using simple architectures to outperform deeper and more complex architectures" (github.com/Coderx7/SimpleNet_Pytorch, simplenet_cifar_5m)',
  task: "image",
  defaults: { inputShape: [32, 32, 3], numClasses: 10, scale: 1, headActivation: "softmax", head: "softmax" },
  options: ["scale", "headActivation", "head"],
  referenceParams: 5_498_378,
  minInputSize: 8,
  build: buildSimpleNet,
});
