/**
 * Token layers shared by the transformer families (ViT, DeiT, ConViT):
 * a learned class token prepended to the sequence, a learned position
 * embedding added to it, and the pooling that turns tokens into one vector.
 * Each is registered for serialization, so tf.io save/load round-trips.
 */
import * as tf from "@tensorflow/tfjs";
// Type-only deep imports: tfjs does not re-export these two types at the top level.
import type { LayerArgs } from "@tensorflow/tfjs-layers/dist/engine/topology";
import type { Initializer } from "@tensorflow/tfjs-layers/dist/initializers";

/** Constructor arguments of a tfjs layer (name, trainable ...). */
export type BaseLayerArgs = LayerArgs;

/** Serialization package name of every tensorcell layer ("tensorcell>ClassToken" in model.json). */
export const LAYER_PACKAGE = "tensorcell";

/** The one input tensor of a single-input layer (tfjs hands layers a tensor or a list). */
export function singleInput(inputs: tf.Tensor | tf.Tensor[], layer: string): tf.Tensor {
  if (Array.isArray(inputs)) {
    if (inputs.length !== 1) throw new Error(`${layer} takes one input tensor, got ${inputs.length}.`);
    return inputs[0];
  }
  return inputs;
}

/** The one input shape of a single-input layer. */
export function singleShape(inputShape: tf.Shape | tf.Shape[], layer: string): tf.Shape {
  if (Array.isArray(inputShape[0])) {
    const shapes = inputShape as tf.Shape[];
    if (shapes.length !== 1) throw new Error(`${layer} takes one input, got ${shapes.length}.`);
    return shapes[0];
  }
  return inputShape as tf.Shape;
}

/** Checks a token-sequence shape [batch, tokens, channels] and returns [tokens, channels]. */
export function tokenShape(shape: tf.Shape, layer: string): [number, number] {
  const [, tokens, channels] = shape;
  if (shape.length !== 3 || tokens == null || channels == null) {
    throw new Error(`${layer} expects tokens shaped [batch, tokens, channels] with known sizes, got [${shape.join(", ")}].`);
  }
  return [tokens, channels];
}

/** Truncated normal with std 0.02, the initializer timm uses for linear weights and embeddings. */
export function timmTruncNormal(): Initializer {
  return tf.initializers.truncatedNormal({ stddev: 0.02 });
}

/** Arguments of {@link ClassToken}. */
export interface ClassTokenArgs extends BaseLayerArgs {
  /** How many learned tokens to prepend: 1 (class token) or 2 (class + distillation token, DeiT). Default 1. */
  numTokens?: number;
}

/**
 * Prepends learned tokens (the class token, and DeiT's distillation token) to a
 * token sequence: [batch, n, d] -> [batch, numTokens + n, d]. Weight "token"
 * is [1, numTokens, d], as timm's cls_token. Starts at zero, like ConViT's;
 * timm's ViT draws it from N(0, 1e-6), which is zero for training purposes.
 */
export class ClassToken extends tf.layers.Layer {
  /** Serialization name. */
  static className = "ClassToken";
  /** Number of prepended tokens. */
  readonly numTokens: number;
  private token?: tf.LayerVariable;

  constructor(args: ClassTokenArgs = {}) {
    super(args);
    this.numTokens = args.numTokens ?? 1;
    if (!Number.isInteger(this.numTokens) || this.numTokens < 1) {
      throw new Error(`ClassToken numTokens must be a positive integer, got ${args.numTokens}.`);
    }
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [, channels] = tokenShape(singleShape(inputShape, this.name), this.name);
    this.token = this.addWeight("token", [1, this.numTokens, channels], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, tokens, channels] = singleShape(inputShape, this.name);
    return [batch, tokens == null ? null : tokens + this.numTokens, channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      const [batch, , channels] = x.shape;
      // Broadcast with an add rather than tf.tile: tile's gradient is a slow slice loop in tfjs-core.
      const tokens = tf.add(tf.zeros([batch, this.numTokens, channels]), this.token!.read());
      return tf.concat([tokens, x], 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numTokens: this.numTokens };
  }
}

/**
 * Adds a learned absolute position embedding to a token sequence, as in ViT:
 * weight "embedding" is [1, tokens, d] (timm's pos_embed), truncated normal std 0.02.
 */
export class PositionEmbedding extends tf.layers.Layer {
  /** Serialization name. */
  static className = "PositionEmbedding";
  private embedding?: tf.LayerVariable;

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const [tokens, channels] = tokenShape(singleShape(inputShape, this.name), this.name);
    this.embedding = this.addWeight("embedding", [1, tokens, channels], "float32", timmTruncNormal());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return singleShape(inputShape, this.name);
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.add(singleInput(inputs, this.name), this.embedding!.read()));
  }
}

/** How {@link TokenPooling} reduces tokens: take one token (the class token), or average all tokens. */
export type TokenPoolingMode = "token" | "mean";

/** Arguments of {@link TokenPooling}. */
export interface TokenPoolingArgs extends BaseLayerArgs {
  /** "token" (default) keeps the token at tokenIndex; "mean" averages over tokens. */
  mode?: TokenPoolingMode;
  /**
   * Mode "token": which token to keep, 0 for the class token (default), 1 for DeiT's distillation token.
   * Mode "mean": the first token averaged (1 skips the class token, as timm's global_pool="avg").
   */
  tokenIndex?: number;
}

/**
 * Pools a token sequence [batch, n, d] into [batch, d]: one token (ViT's class token,
 * DeiT's distillation token) or the mean over tokens (Mixer, GAP ViTs).
 */
export class TokenPooling extends tf.layers.Layer {
  /** Serialization name. */
  static className = "TokenPooling";
  /** The pooling mode. */
  readonly mode: TokenPoolingMode;
  /** The kept token with mode "token". */
  readonly tokenIndex: number;

  constructor(args: TokenPoolingArgs = {}) {
    super(args);
    this.mode = args.mode ?? "token";
    this.tokenIndex = args.tokenIndex ?? 0;
    if (this.mode !== "token" && this.mode !== "mean") {
      throw new Error(`TokenPooling mode must be "token" or "mean", got "${String(args.mode)}".`);
    }
    if (!Number.isInteger(this.tokenIndex) || this.tokenIndex < 0) {
      throw new Error(`TokenPooling tokenIndex must be a non-negative integer, got ${args.tokenIndex}.`);
    }
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape, this.name);
    return [shape[0], shape[2]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      const [batch, , channels] = x.shape;
      if (this.mode === "mean") return tf.mean(tf.slice(x, [0, this.tokenIndex, 0], [-1, -1, -1]), 1);
      return tf.reshape(tf.slice(x, [0, this.tokenIndex, 0], [batch, 1, channels]), [batch, channels]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mode: this.mode, tokenIndex: this.tokenIndex };
  }
}

tf.serialization.registerClass(ClassToken, LAYER_PACKAGE);
tf.serialization.registerClass(PositionEmbedding, LAYER_PACKAGE);
tf.serialization.registerClass(TokenPooling, LAYER_PACKAGE);
