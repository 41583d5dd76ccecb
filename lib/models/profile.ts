/**
 * Per-layer efficiency of a model on one input, in the terms of Lavin 2024,
 * "On the Efficiency of Convolutional Neural Networks": the arithmetic each
 * layer does (FLOPs, one multiply-add = 2 FLOPs), the bytes it must move at
 * least (its float32 inputs, weights and outputs, each once), their ratio
 * (arithmetic intensity, FLOP/byte), and the measured time, hence achieved
 * GFLOP/s. FLOPs are exact for Conv1D / Conv2D / DepthwiseConv2D / Dense
 * (bias and fused activation not counted); other layers count one FLOP per
 * output element (BatchNormalization two, pooling one per window element),
 * and reshaping layers none.
 */
import * as tf from "@tensorflow/tfjs";
import { graphModelKind } from "./graph_guard.js";

/** One layer's figures. */
export interface LayerProfile {
  /** Layer name. */
  name: string;
  /** Layer class, e.g. "Conv2D". */
  className: string;
  /** Output shape, batch included. */
  outputShape: number[];
  /** Floating-point operations for the whole input batch (multiply-add = 2). */
  flops: number;
  /** Whether `flops` is an exact count (conv / dense) or an element-wise estimate. */
  exactFlops: boolean;
  /** Minimum bytes moved: float32 inputs + weights + outputs, each once. */
  bytes: number;
  /** Median measured time of the layer alone, in milliseconds. */
  timeMs: number;
  /** Achieved GFLOP/s (flops / time). */
  gflops: number;
  /** Arithmetic intensity, FLOP per byte (flops / bytes). */
  intensity: number;
}

/** What `models.profile` returns. */
export interface ModelProfile {
  /** Model name. */
  model: string;
  /** Backend the times were measured on. */
  backend: string;
  /** Batch size of the input. */
  batch: number;
  /** Every layer with work to do (input, flatten, reshape and dropout layers left out), in order. */
  layers: LayerProfile[];
  /** Sums over the layers (gflops and intensity of the sums). */
  total: { flops: number; bytes: number; timeMs: number; gflops: number; intensity: number };
}

/** Options of `models.profile`. */
export interface ProfileOptions {
  /** Timed runs per layer (after one warm-up); the median is kept. Default 5. */
  runs?: number;
}

const WHERE = "models.profile";
const FREE_LAYERS = new Set(["InputLayer", "Flatten", "Reshape", "Dropout", "SpatialDropout1D", "SpatialDropout2D", "DropPath", "Permute"]);

const size = (shape: readonly (number | null)[]) => shape.reduce<number>((a, b) => a * (b ?? 1), 1);

/** Exact FLOPs of conv / dense layers; undefined for other classes. */
export function exactLayerFlops(layer: tf.layers.Layer, inputShape: number[], outputShape: number[]): number | undefined {
  const config = layer.getConfig() as { kernelSize?: number[] | number; units?: number };
  const kernel = Array.isArray(config.kernelSize) ? config.kernelSize : config.kernelSize !== undefined ? [config.kernelSize] : [];
  const window = kernel.reduce((a, b) => a * b, 1);
  const inChannels = inputShape[inputShape.length - 1];
  switch (layer.getClassName()) {
    case "Conv1D":
    case "Conv2D":
      // Each output element: window x inChannels multiply-adds.
      return 2 * size(outputShape) * window * inChannels;
    case "DepthwiseConv2D":
      return 2 * size(outputShape) * window;
    case "Dense":
      return 2 * size(outputShape) * inChannels;
    default:
      return undefined;
  }
}

/** Element-wise FLOP estimate of a layer without an exact count. */
function estimatedFlops(layer: tf.layers.Layer, outputShape: number[]): number {
  const name = layer.getClassName();
  if (FREE_LAYERS.has(name) || name === "ZeroPadding2D") return 0;
  if (name === "BatchNormalization") return 2 * size(outputShape);
  const config = layer.getConfig() as { poolSize?: number[] | number };
  if (config.poolSize !== undefined) {
    const pool = Array.isArray(config.poolSize) ? config.poolSize : [config.poolSize];
    return size(outputShape) * pool.reduce((a, b) => a * b, 1);
  }
  return size(outputShape);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Profiles each layer of an image model on `input`: exact conv / dense FLOPs,
 * minimum bytes moved, arithmetic intensity, and the median time of the
 * layer run alone on its real input (hence achieved GFLOP/s). Throws a
 * one-line error for graph models and tf.GraphModel.
 */
export async function profileModel(model: tf.LayersModel, input: tf.Tensor, options: ProfileOptions = {}): Promise<ModelProfile> {
  if (!model || !Array.isArray((model as Partial<tf.LayersModel>).layers)) {
    const graphModel = model && typeof (model as { executeAsync?: unknown }).executeAsync === "function";
    throw new Error(
      graphModel
        ? `${WHERE}: a tf.GraphModel (converted graph) has no layers to profile; profile a tf.LayersModel (models.create or tf.loadLayersModel).`
        : `${WHERE}: the first argument must be a tf.LayersModel (e.g. from models.create).`,
    );
  }
  const kind = graphModelKind(model);
  if (kind) {
    throw new Error(`${WHERE}: "${model.name}" is a graph model (${kind} classification over x and edge_index); profiling covers image models with one input tensor.`);
  }
  if (model.inputs.length !== 1) throw new Error(`${WHERE}: the model has ${model.inputs.length} inputs; profiling covers models with one input tensor.`);
  if (!(input instanceof tf.Tensor)) throw new Error(`${WHERE}: input must be a tensor shaped like the model input, e.g. [1, ${model.inputs[0].shape.slice(1).join(", ")}].`);
  const expected = model.inputs[0].shape;
  if (input.rank !== expected.length || expected.some((d, i) => i > 0 && d !== null && d !== input.shape[i])) {
    throw new Error(`${WHERE}: input of shape [${input.shape.join(", ")}] does not fit the model input [${expected.map((d) => d ?? "batch").join(", ")}].`);
  }
  const runs = options.runs ?? 5;
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`${WHERE}: runs must be a positive integer, got ${JSON.stringify(options.runs)}.`);

  const layers = model.layers.filter((layer) => layer.getClassName() !== "InputLayer");
  const outputs = layers.map((layer) => layer.output as tf.SymbolicTensor);
  const values = new Map<number, tf.Tensor>([[model.inputs[0].id, input]]);
  const computed = tf.tidy(() => {
    const result = tf.model({ inputs: model.inputs, outputs }).apply(input, { training: false }) as tf.Tensor | tf.Tensor[];
    return Array.isArray(result) ? result : [result];
  }) as tf.Tensor[];
  outputs.forEach((symbolic, i) => values.set(symbolic.id, computed[i]));

  const profiles: LayerProfile[] = [];
  for (const layer of layers) {
    if (FREE_LAYERS.has(layer.getClassName())) continue;
    const inbound = (layer.inboundNodes[0]?.inputTensors ?? []) as tf.SymbolicTensor[];
    const inputs = inbound.map((t) => values.get(t.id)!);
    const output = values.get((layer.output as tf.SymbolicTensor).id)!;
    const inShape = inputs[0].shape;
    const exact = exactLayerFlops(layer, inShape, output.shape);
    const flops = exact ?? estimatedFlops(layer, output.shape);
    const params = layer.countParams();
    const bytes = 4 * (inputs.reduce((sum, t) => sum + t.size, 0) + params + output.size);
    const times: number[] = [];
    for (let run = 0; run <= runs; run++) {
      const start = performance.now();
      const result = layer.apply(inputs.length === 1 ? inputs[0] : inputs, { training: false }) as tf.Tensor;
      await result.data();
      const elapsed = performance.now() - start;
      result.dispose();
      if (run > 0) times.push(elapsed); // run 0 warms up
    }
    const timeMs = median(times);
    profiles.push({
      name: layer.name,
      className: layer.getClassName(),
      outputShape: [...output.shape],
      flops,
      exactFlops: exact !== undefined,
      bytes,
      timeMs,
      gflops: timeMs > 0 ? flops / (timeMs * 1e6) : 0,
      intensity: bytes > 0 ? flops / bytes : 0,
    });
  }
  tf.dispose(computed);
  const flops = profiles.reduce((s, p) => s + p.flops, 0);
  const bytes = profiles.reduce((s, p) => s + p.bytes, 0);
  const timeMs = profiles.reduce((s, p) => s + p.timeMs, 0);
  return {
    model: model.name,
    backend: tf.getBackend(),
    batch: input.shape[0],
    layers: profiles,
    total: { flops, bytes, timeMs, gflops: timeMs > 0 ? flops / (timeMs * 1e6) : 0, intensity: bytes > 0 ? flops / bytes : 0 },
  };
}
