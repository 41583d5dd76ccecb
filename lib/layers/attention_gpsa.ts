/**
 * Gated positional self-attention (GPSA), from ConViT (d'Ascoli et al. 2021,
 * "ConViT: Improving Vision Transformers with Soft Convolutional Inductive
 * Biases"), following timm's convit.GPSA.
 *
 * Each head mixes a content score softmax(q kᵀ / sqrt(dh)) with a positional
 * score softmax(r_ij · w_h) over the relative offsets r_ij = (dx, dy, dx²+dy²)
 * of patches i and j, gated per head by sigmoid(λ_h):
 *   A = (1 - σ(λ)) · content + σ(λ) · positional, renormalised per row.
 * The "local init" makes each head start as a convolution-like attention to
 * one neighbour (v = identity, w_h pointing at one offset of a √H x √H kernel).
 *
 * Weights: qk [d, 2d] (+ bias when qkvBias), v [d, d] (+ bias), proj [d, d] + bias,
 * pos_proj [3, heads] + bias, gating [heads] (initialised to 1).
 * Input tokens must be patches only (no class token) on a square grid.
 */
import * as tf from "@tensorflow/tfjs";
import {
  attendAndProject,
  type AttentionProbabilitiesSource,
  checkBuiltForAttentionMaps,
  checkHeadChannels,
  checkNumHeads,
  linearTokens,
  scaledDotProductProbabilities,
  splitHeads,
} from "./attention.js";
import {
  type BaseLayerArgs,
  LAYER_PACKAGE,
  singleInput,
  singleShape,
  timmTruncNormal,
  tokenShape,
} from "./vit_tokens.js";

/** Arguments of {@link GatedPositionalSelfAttention}. */
export interface GatedPositionalSelfAttentionArgs extends BaseLayerArgs {
  /** Number of heads; the channel count must divide by it. */
  numHeads: number;
  /** Whether the qk and v projections have a bias (ConViT: false). Default false. */
  qkvBias?: boolean;
  /** Scale of the local initialisation of the positional weights (ConViT's locality_strength). Default 1. */
  localityStrength?: number;
}

/**
 * Relative patch offsets of a side x side grid, flattened to [tokens * tokens, 3]:
 * for query patch i and key patch j, (dx, dy, dx² + dy²) as timm's get_rel_indices.
 */
export function relativePatchOffsets(side: number): Float32Array {
  const tokens = side * side;
  const offsets = new Float32Array(tokens * tokens * 3);
  for (let i = 0; i < tokens; i++) {
    for (let j = 0; j < tokens; j++) {
      const dx = (j % side) - (i % side);
      const dy = Math.floor(j / side) - Math.floor(i / side);
      const at = (i * tokens + j) * 3;
      offsets[at] = dx;
      offsets[at + 1] = dy;
      offsets[at + 2] = dx * dx + dy * dy;
    }
  }
  return offsets;
}

/**
 * ConViT's local initialisation of pos_proj as a [3, heads] kernel: head h = h1 + k*h2 of a
 * k x k kernel (k = floor(√heads)) attends to offset (h2 - c, h1 - c); heads beyond k² keep `base`.
 */
export function localPositionKernel(numHeads: number, localityStrength: number, base: Float32Array): Float32Array {
  const kernel = Float32Array.from(base);
  const size = Math.floor(Math.sqrt(numHeads));
  const center = size % 2 === 0 ? (size - 1) / 2 : Math.floor(size / 2);
  for (let h1 = 0; h1 < size; h1++) {
    for (let h2 = 0; h2 < size; h2++) {
      const head = h1 + size * h2;
      // kernel is [3, heads] (input x output); timm's pos_proj.weight is its transpose.
      kernel[0 * numHeads + head] = 2 * (h2 - center);
      kernel[1 * numHeads + head] = 2 * (h1 - center);
      kernel[2 * numHeads + head] = -1;
    }
  }
  return kernel.map((w) => w * localityStrength);
}

/** ConViT's gated positional self-attention on patch tokens [batch, side², d] -> [batch, side², d]. */
export class GatedPositionalSelfAttention extends tf.layers.Layer implements AttentionProbabilitiesSource {
  /** Serialization name. */
  static className = "GatedPositionalSelfAttention";
  /** Number of heads. */
  readonly numHeads: number;
  /** Whether qk and v have biases. */
  readonly qkvBias: boolean;
  /** Scale of the local initialisation. */
  readonly localityStrength: number;
  private offsets?: Float32Array;
  private qkKernel?: tf.LayerVariable;
  private qkBias?: tf.LayerVariable;
  private vKernel?: tf.LayerVariable;
  private vBias?: tf.LayerVariable;
  private projKernel?: tf.LayerVariable;
  private projBias?: tf.LayerVariable;
  private posKernel?: tf.LayerVariable;
  private posBias?: tf.LayerVariable;
  private gating?: tf.LayerVariable;

  constructor(args: GatedPositionalSelfAttentionArgs) {
    super(args);
    this.numHeads = checkNumHeads(args.numHeads, "GatedPositionalSelfAttention");
    this.qkvBias = args.qkvBias ?? false;
    this.localityStrength = args.localityStrength ?? 1;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [tokens, channels] = tokenShape(singleShape(inputShape, this.name), this.name);
    const side = Math.round(Math.sqrt(tokens));
    if (side * side !== tokens) {
      throw new Error(`${this.name}: GPSA needs patch tokens on a square grid (no class token); got ${tokens} tokens. Use a square input whose side divides by the patch size.`);
    }
    checkHeadChannels(channels, this.numHeads, this.name);
    this.offsets = relativePatchOffsets(side);
    const zeros = tf.initializers.zeros();
    this.qkKernel = this.addWeight("qk_kernel", [channels, 2 * channels], "float32", timmTruncNormal());
    if (this.qkvBias) this.qkBias = this.addWeight("qk_bias", [2 * channels], "float32", zeros);
    // Local init: v starts as the identity (timm GPSA.local_init).
    this.vKernel = this.addWeight("v_kernel", [channels, channels], "float32", tf.initializers.identity({ gain: 1 }));
    if (this.qkvBias) this.vBias = this.addWeight("v_bias", [channels], "float32", zeros);
    this.projKernel = this.addWeight("proj_kernel", [channels, channels], "float32", timmTruncNormal());
    this.projBias = this.addWeight("proj_bias", [channels], "float32", zeros);
    this.posKernel = this.addWeight("pos_proj_kernel", [3, this.numHeads], "float32", timmTruncNormal());
    this.posBias = this.addWeight("pos_proj_bias", [this.numHeads], "float32", zeros);
    this.gating = this.addWeight("gating", [this.numHeads], "float32", tf.initializers.ones());
    const base = this.posKernel.read().dataSync() as Float32Array;
    const local = localPositionKernel(this.numHeads, this.localityStrength, base);
    const localKernel = tf.tensor2d(local, [3, this.numHeads]);
    this.posKernel.write(localKernel);
    localKernel.dispose();
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape, this.name);
  }

  /** Positional attention softmax(r · w_h + b_h): [1, heads, tokens, tokens]. */
  private positionalProbabilities(tokens: number): tf.Tensor4D {
    const offsets = tf.tensor2d(this.offsets!, [tokens * tokens, 3]);
    const scores = tf.add(tf.matMul(offsets, this.posKernel!.read() as tf.Tensor2D), this.posBias!.read());
    const perHead = tf.transpose(tf.reshape(scores, [tokens, tokens, this.numHeads]), [2, 0, 1]);
    return tf.expandDims(tf.softmax(perHead), 0) as tf.Tensor4D;
  }

  /** Gated, renormalised attention [batch, heads, tokens, tokens] for x [batch, tokens, d]. */
  private gatedAttention(x: tf.Tensor): tf.Tensor4D {
    const tokens = x.shape[1]!;
    if (this.offsets && this.offsets.length !== tokens * tokens * 3) {
      throw new Error(`${this.name} was built for ${Math.sqrt(this.offsets.length / 3)} patches but got ${tokens}.`);
    }
    const qk = linearTokens(x, this.qkKernel!.read(), this.qkBias?.read());
    const [q, k] = tf.split(qk, 2, 2);
    const content = scaledDotProductProbabilities(splitHeads(q, this.numHeads), splitHeads(k, this.numHeads));
    const gate = tf.reshape(tf.sigmoid(this.gating!.read()), [1, this.numHeads, 1, 1]);
    const mixed = tf.add(tf.mul(tf.sub(1, gate), content), tf.mul(gate, this.positionalProbabilities(tokens)));
    return tf.div(mixed, tf.sum(mixed, -1, true));
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      const v = splitHeads(linearTokens(x, this.vKernel!.read(), this.vBias?.read()), this.numHeads);
      return attendAndProject(this.gatedAttention(x), v, this.projKernel!.read(), this.projBias!.read());
    });
  }

  /**
   * Gated attention probabilities [batch, heads, tokens, tokens] for input x [batch, tokens, d]
   * (the output of the block's first LayerNorm). Rows sum to 1. The caller disposes the result.
   */
  attentionProbabilities(x: tf.Tensor): tf.Tensor4D {
    checkBuiltForAttentionMaps(this);
    return tf.tidy(() => this.gatedAttention(x));
  }

  /** Per-head gate σ(λ_h): 1 means purely positional (convolution-like), 0 purely content attention. */
  positionalGate(): Float32Array {
    if (!this.gating) throw new Error(`${this.name} is not built yet.`);
    return tf.tidy(() => tf.sigmoid(this.gating!.read()).dataSync() as Float32Array);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      numHeads: this.numHeads,
      qkvBias: this.qkvBias,
      localityStrength: this.localityStrength,
    };
  }
}

tf.serialization.registerClass(GatedPositionalSelfAttention, LAYER_PACKAGE);
