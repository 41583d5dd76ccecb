/**
 * Structural re-parameterisation of UniRepLKNet for inference, as the reference's
 * `reparameterize_unireplknet()` (UniRepLKNetBlock.reparameterize and
 * DilatedReparamBlock.merge_dilated_branches): in every block,
 *   - each dilated branch's conv + BN becomes a kernel with zeros between the taps,
 *     padded to the large kernel and added to it (with the large kernel's own BN);
 *   - the block's BatchNorm after the dwconv is folded into that kernel and a bias;
 *   - GRN's beta, the BatchNorm after pwconv2 and the LayerScale gamma are folded
 *     into pwconv2's weight and a new bias.
 * The result is the deploy-form model (option deploy: true) with those weights:
 * the same outputs in inference, fewer parameters and layers.
 */
import * as tf from "@tensorflow/tfjs";
import { readModelMetadata, writeModelMetadata } from "./metadata.js";
import { buildUniRepLKNet, DILATED_BRANCHES, recordedUniRepLKNet } from "./unireplknet.js";

/** A depthwise kernel in tfjs layout [k, k, channels, 1], as a flat array with its size. */
interface Kernel {
  size: number;
  channels: number;
  values: Float32Array;
}

/** Per-channel scale and shift of an inference-mode BatchNorm: y = x * scale + shift. */
function bnAffine(model: tf.LayersModel, name: string): { scale: Float32Array; shift: Float32Array } {
  const layer = model.getLayer(name);
  const [gamma, beta, mean, variance] = layer.getWeights().map((w) => w.dataSync() as Float32Array);
  const epsilon = (layer.getConfig().epsilon as number) ?? 1e-3;
  const scale = gamma.map((g, c) => g / Math.sqrt(variance[c] + epsilon));
  const shift = beta.map((b, c) => b - mean[c] * scale[c]);
  return { scale, shift };
}

function kernelOf(model: tf.LayersModel, name: string): Kernel {
  const weight = model.getLayer(name).getWeights()[0];
  const [size, , channels] = weight.shape as [number, number, number, number];
  return { size, channels, values: Float32Array.from(weight.dataSync()) };
}

/** Scales each channel of a kernel. */
function scaleKernel(kernel: Kernel, scale: Float32Array): Kernel {
  const values = kernel.values.map((v, i) => v * scale[i % kernel.channels]);
  return { ...kernel, values };
}

/** Adds `small` (dilation `dilation`) into the centre of `large`, as merge_dilated_into_large_kernel. */
function addDilated(large: Kernel, small: Kernel, dilation: number): void {
  const span = dilation * (small.size - 1) + 1;
  const offset = (large.size >> 1) - (span >> 1);
  const c = large.channels;
  for (let i = 0; i < small.size; i++) {
    for (let j = 0; j < small.size; j++) {
      const target = ((offset + i * dilation) * large.size + offset + j * dilation) * c;
      const source = (i * small.size + j) * c;
      for (let ch = 0; ch < c; ch++) large.values[target + ch] += small.values[source + ch];
    }
  }
}

/** The fused dwconv of one block (kernel and bias), from the training-form model. */
function fusedDwconv(model: tf.LayersModel, name: string, kernelSize: number): [tf.Tensor, tf.Tensor] {
  let kernel: Kernel;
  let bias: Float32Array;
  if (kernelSize >= 7) {
    const origin = bnAffine(model, `${name}.dwconv.origin_bn`);
    kernel = scaleKernel(kernelOf(model, `${name}.dwconv.lk_origin`), origin.scale);
    bias = Float32Array.from(origin.shift);
    for (const [k, r] of DILATED_BRANCHES[kernelSize]) {
      const bn = bnAffine(model, `${name}.dwconv.dil_bn_k${k}_${r}`);
      addDilated(kernel, scaleKernel(kernelOf(model, `${name}.dwconv.dil_conv_k${k}_${r}`), bn.scale), r);
      bias = bias.map((b, c) => b + bn.shift[c]);
    }
  } else {
    kernel = kernelOf(model, `${name}.dwconv`);
    bias = new Float32Array(kernel.channels);
  }
  const norm = bnAffine(model, `${name}.norm`);
  kernel = scaleKernel(kernel, norm.scale);
  bias = bias.map((b, c) => norm.shift[c] + b * norm.scale[c]);
  return [tf.tensor(kernel.values, [kernel.size, kernel.size, kernel.channels, 1]), tf.tensor(bias)];
}

/** pwconv2's weight and bias with GRN's beta, the BatchNorm and the LayerScale folded in. */
function fusedPwconv2(model: tf.LayersModel, name: string): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const [weight] = model.getLayer(`${name}.pwconv2.0`).getWeights(); // [4d, d]
    const [, grnBeta] = model.getLayer(`${name}.act.1`).getWeights();
    const bn = bnAffine(model, `${name}.pwconv2.2`);
    const layerScale = model.layers.some((l) => l.name === `${name}.gamma`) ? model.getLayer(`${name}.gamma`).getWeights()[0] : tf.onesLike(tf.tensor(bn.scale));
    const scale = tf.mul(tf.tensor(bn.scale), layerScale);
    const projectedBeta = tf.matMul(grnBeta.reshape([1, -1]), weight).reshape([-1]);
    const bias = tf.mul(tf.add(tf.tensor(bn.shift), tf.mul(projectedBeta, tf.tensor(bn.scale))), layerScale);
    return [tf.mul(weight, scale.reshape([1, -1])), bias];
  });
}

/**
 * Converts a training-form UniRepLKNet into its deploy form with the same inference
 * outputs. Throws a one-line error for other models and for models already in deploy form.
 */
export function reparameterizeUniRepLKNet(model: tf.LayersModel): tf.LayersModel {
  if (!model || typeof (model as { getUserDefinedMetadata?: unknown }).getUserDefinedMetadata !== "function") {
    throw new Error(`models.reparameterize: expected a UniRepLKNet model (models.create("unireplknet_a") ...), got ${String(model)}.`);
  }
  const config = recordedUniRepLKNet(model);
  const metadata = readModelMetadata(model);
  if (!config) {
    throw new Error(`models.reparameterize: "${metadata.model ?? model.name}" is not a UniRepLKNet (family ${metadata.family ?? "unknown"}); only unireplknet_* models have a deploy form.`);
  }
  if (config.deploy) throw new Error(`models.reparameterize: "${metadata.model ?? model.name}" is already in deploy form; reparameterize the training-form model.`);
  const deploy = buildUniRepLKNet({ ...config, deploy: true }, config, model.name);
  if (metadata.model) writeModelMetadata(deploy, { model: metadata.model });
  const fused = new Set<string>();
  config.depths.forEach((depth, stage) => {
    for (let i = 0; i < depth; i++) {
      const name = `stages.${stage}.${i}`;
      const kernelSize = config.kernelSizes[stage][i];
      if (kernelSize > 0) {
        const target = kernelSize >= 7 ? `${name}.dwconv.lk_origin` : `${name}.dwconv`;
        const values = fusedDwconv(model, name, kernelSize);
        deploy.getLayer(target).setWeights(values);
        tf.dispose(values);
        fused.add(target);
      }
      const values = fusedPwconv2(model, name);
      deploy.getLayer(`${name}.pwconv2.0`).setWeights(values);
      tf.dispose(values);
      fused.add(`${name}.pwconv2.0`);
      deploy.getLayer(`${name}.act.1`).setWeights([model.getLayer(`${name}.act.1`).getWeights()[0]]); // gamma; beta is folded
      fused.add(`${name}.act.1`);
    }
  });
  for (const layer of deploy.layers) {
    if (layer.weights.length > 0 && !fused.has(layer.name)) layer.setWeights(model.getLayer(layer.name).getWeights());
  }
  return deploy;
}
