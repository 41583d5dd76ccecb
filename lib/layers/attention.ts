/**
 * Multi-head self-attention (Vaswani et al.; timm's `Attention`), written with
 * matMul and softmax so that it has gradients on every backend (tfjs's einsum
 * has none, and tfjs-layers does not export MultiHeadAttention).
 *
 * Weights follow timm: a fused qkv projection [d, 3d] (+ bias when qkvBias),
 * and an output projection [d, d] + bias.
 *
 * Attention maps: `layer.attentionProbabilities(x)` returns the softmax
 * probabilities [batch, heads, tokens, tokens] for the layer's input x; every
 * row sums to 1. To get them from a whole model, use `attentionMaps(model, images)`
 * in attention_maps.ts.
 */
import * as tf from "@tensorflow/tfjs";
import {
  type BaseLayerArgs,
  LAYER_PACKAGE,
  singleInput,
  singleShape,
  timmTruncNormal,
  tokenShape,
} from "./vit_tokens.js";

/** A layer whose attention probabilities can be read for an input, for explanations (viz.attentionMaps). */
export interface AttentionProbabilitiesSource {
  /** Name of the layer (e.g. "blocks.3.attn"). */
  readonly name: string;
  /** Number of attention heads. */
  readonly numHeads: number;
  /** Attention probabilities [batch, heads, tokens, tokens] for this layer's input x [batch, tokens, channels]. */
  attentionProbabilities(x: tf.Tensor): tf.Tensor4D;
}

/** True for layers that expose {@link AttentionProbabilitiesSource.attentionProbabilities}. */
export function hasAttentionProbabilities(layer: unknown): layer is AttentionProbabilitiesSource {
  return typeof (layer as Partial<AttentionProbabilitiesSource> | null)?.attentionProbabilities === "function";
}

/** Arguments of {@link MultiHeadSelfAttention}. */
export interface MultiHeadSelfAttentionArgs extends BaseLayerArgs {
  /** Number of heads; the channel count must divide by it. */
  numHeads: number;
  /** Whether the qkv projection has a bias (timm ViT: true; ConViT: false). Default true. */
  qkvBias?: boolean;
}

/** Applies a [d, out] kernel (and bias) to the last axis of [batch, tokens, d]. */
export function linearTokens(x: tf.Tensor, kernel: tf.Tensor, bias?: tf.Tensor): tf.Tensor3D {
  const [batch, tokens, channels] = x.shape;
  const flat = tf.matMul(tf.reshape(x, [batch * tokens, channels]), kernel as tf.Tensor2D);
  const out = bias ? tf.add(flat, bias) : flat;
  return tf.reshape(out, [batch, tokens, kernel.shape[1]!]);
}

/** [batch, tokens, heads * headDim] -> [batch, heads, tokens, headDim]. */
export function splitHeads(x: tf.Tensor, numHeads: number): tf.Tensor4D {
  const [batch, tokens, channels] = x.shape;
  return tf.transpose(tf.reshape(x, [batch, tokens, numHeads, channels / numHeads]), [0, 2, 1, 3]);
}

/** [batch, heads, tokens, headDim] -> [batch, tokens, heads * headDim]. */
export function mergeHeads(x: tf.Tensor): tf.Tensor3D {
  const [batch, heads, tokens, headDim] = x.shape;
  return tf.reshape(tf.transpose(x, [0, 2, 1, 3]), [batch, tokens, heads * headDim]);
}

/** softmax(q kᵀ / sqrt(headDim)) over the last axis: [batch, heads, tokens, tokens]. */
export function scaledDotProductProbabilities(q: tf.Tensor4D, k: tf.Tensor4D): tf.Tensor4D {
  const scale = 1 / Math.sqrt(q.shape[3]);
  return tf.softmax(tf.mul(tf.matMul(q, k, false, true), scale)) as tf.Tensor4D;
}

/** Checks an attention layer's head count at construction; the error names the layer class. */
export function checkNumHeads(numHeads: number, layerClass: string): number {
  if (!Number.isInteger(numHeads) || numHeads < 1) throw new Error(`${layerClass} numHeads must be a positive integer, got ${numHeads}.`);
  return numHeads;
}

/** Checks at build time that the token width splits evenly into the layer's heads. */
export function checkHeadChannels(channels: number, numHeads: number, layerName: string): void {
  if (channels % numHeads !== 0) {
    throw new Error(`${layerName}: ${channels} channels do not split into ${numHeads} heads; pick an embedding size divisible by numHeads.`);
  }
}

/** Throws unless `layer` is built: attention maps need its weights. */
export function checkBuiltForAttentionMaps(layer: tf.layers.Layer): void {
  if (!layer.built) throw new Error(`${layer.name} is not built yet: apply it (or build its model) before asking for attention maps.`);
}

/** Attention output: probabilities [batch, heads, tokens, tokens] applied to v [batch, heads, tokens, headDim], heads merged, then the output projection. */
export function attendAndProject(probabilities: tf.Tensor4D, v: tf.Tensor4D, projKernel: tf.Tensor, projBias: tf.Tensor): tf.Tensor3D {
  return linearTokens(mergeHeads(tf.matMul(probabilities, v)), projKernel, projBias);
}

/**
 * Multi-head self-attention on tokens [batch, tokens, d] -> [batch, tokens, d].
 * Parameter count: d*3d (+3d with qkvBias) + d*d + d, as timm's Attention.
 */
export class MultiHeadSelfAttention extends tf.layers.Layer implements AttentionProbabilitiesSource {
  /** Serialization name. */
  static className = "MultiHeadSelfAttention";
  /** Number of heads. */
  readonly numHeads: number;
  /** Whether qkv has a bias. */
  readonly qkvBias: boolean;
  private qkvKernel?: tf.LayerVariable;
  private qkvBiasWeight?: tf.LayerVariable;
  private projKernel?: tf.LayerVariable;
  private projBias?: tf.LayerVariable;

  constructor(args: MultiHeadSelfAttentionArgs) {
    super(args);
    this.numHeads = checkNumHeads(args.numHeads, "MultiHeadSelfAttention");
    this.qkvBias = args.qkvBias ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, channels] = tokenShape(singleShape(inputShape, this.name), this.name);
    checkHeadChannels(channels, this.numHeads, this.name);
    this.qkvKernel = this.addWeight("qkv_kernel", [channels, 3 * channels], "float32", timmTruncNormal());
    if (this.qkvBias) this.qkvBiasWeight = this.addWeight("qkv_bias", [3 * channels], "float32", tf.initializers.zeros());
    this.projKernel = this.addWeight("proj_kernel", [channels, channels], "float32", timmTruncNormal());
    this.projBias = this.addWeight("proj_bias", [channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape, this.name);
  }

  /** q, k, v for input x, each [batch, heads, tokens, headDim]. */
  private queryKeyValue(x: tf.Tensor): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    const qkv = linearTokens(x, this.qkvKernel!.read(), this.qkvBiasWeight?.read());
    const [q, k, v] = tf.split(qkv, 3, 2);
    return [splitHeads(q, this.numHeads), splitHeads(k, this.numHeads), splitHeads(v, this.numHeads)];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      const [q, k, v] = this.queryKeyValue(x);
      return attendAndProject(scaledDotProductProbabilities(q, k), v, this.projKernel!.read(), this.projBias!.read());
    });
  }

  /**
   * Attention probabilities [batch, heads, tokens, tokens] for input x [batch, tokens, d]
   * (the output of the block's first LayerNorm). Rows sum to 1. The caller disposes the result.
   */
  attentionProbabilities(x: tf.Tensor): tf.Tensor4D {
    checkBuiltForAttentionMaps(this);
    return tf.tidy(() => {
      const [q, k] = this.queryKeyValue(x);
      return scaledDotProductProbabilities(q, k);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, qkvBias: this.qkvBias };
  }
}

tf.serialization.registerClass(MultiHeadSelfAttention, LAYER_PACKAGE);
