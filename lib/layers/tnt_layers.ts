/**
 * The reshapes of Transformer in Transformer (TNT, Han et al. 2021; timm tnt.py)
 * that move between its two token sequences, written as layers because they
 * fold patches into the batch axis (which tfjs-layers' Reshape cannot do):
 *
 *   PatchUnfold:     images [b, h, w, c] -> patches [b * n, p, p, c] (n = (h/p) * (w/p), row-major, as nn.Unfold)
 *   PatchFold:       pixel tokens [b * n, m, d] -> patch vectors [b, n, m * d] (pixel-major, channel-minor)
 *   AddToPatchTokens [tokens [b, 1 + n, D], x [b, n, D]] -> tokens with x added to all but the class token
 *
 * None has parameters; each is registered for serialization.
 */
import * as tf from "@tensorflow/tfjs";
import { type BaseLayerArgs, LAYER_PACKAGE, singleInput, singleShape } from "./vit_tokens.js";

function positiveInt(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new Error(`${what} must be a positive integer, got ${value}.`);
  return value;
}

/** Arguments of {@link PatchUnfold}. */
export interface PatchUnfoldArgs extends BaseLayerArgs {
  /** Side of the square patches; height and width must divide by it. */
  patchSize: number;
}

/** Cuts images [b, h, w, c] into non-overlapping patches [b * n, p, p, c], patches in row-major order. */
export class PatchUnfold extends tf.layers.Layer {
  /** Serialization name. */
  static className = "PatchUnfold";
  /** Side of the square patches. */
  readonly patchSize: number;

  constructor(args: PatchUnfoldArgs) {
    super(args);
    this.patchSize = positiveInt(args.patchSize, "PatchUnfold patchSize");
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape, this.name);
    const [batch, height, width, channels] = shape;
    if (shape.length !== 4 || height == null || width == null || height % this.patchSize !== 0 || width % this.patchSize !== 0) {
      throw new Error(`${this.name} needs images [batch, height, width, channels] with height and width multiples of ${this.patchSize}, got [${shape.join(", ")}].`);
    }
    const patches = (height / this.patchSize) * (width / this.patchSize);
    return [batch == null ? null : batch * patches, this.patchSize, this.patchSize, channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      const [batch, height, width, channels] = x.shape;
      const p = this.patchSize;
      const grid = tf.reshape(x, [batch, height / p, p, width / p, p, channels]);
      return tf.reshape(tf.transpose(grid, [0, 1, 3, 2, 4, 5]), [-1, p, p, channels]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), patchSize: this.patchSize };
  }
}

/** Arguments of {@link PatchFold}. */
export interface PatchFoldArgs extends BaseLayerArgs {
  /** Patches per image (n); the input's batch axis is batch * n. */
  numPatches: number;
}

/** Regroups pixel tokens [b * n, m, d] into one vector per patch: [b, n, m * d]. */
export class PatchFold extends tf.layers.Layer {
  /** Serialization name. */
  static className = "PatchFold";
  /** Patches per image. */
  readonly numPatches: number;

  constructor(args: PatchFoldArgs) {
    super(args);
    this.numPatches = positiveInt(args.numPatches, "PatchFold numPatches");
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shape = singleShape(inputShape, this.name);
    const [batch, pixels, channels] = shape;
    if (shape.length !== 3 || pixels == null || channels == null) {
      throw new Error(`${this.name} needs pixel tokens [batch * patches, pixels, channels], got [${shape.join(", ")}].`);
    }
    return [batch == null ? null : batch / this.numPatches, this.numPatches, pixels * channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = singleInput(inputs, this.name);
      const [rows, pixels, channels] = x.shape;
      if (rows % this.numPatches !== 0) throw new Error(`${this.name}: ${rows} pixel sequences do not group into images of ${this.numPatches} patches.`);
      return tf.reshape(x, [rows / this.numPatches, this.numPatches, pixels * channels]);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numPatches: this.numPatches };
  }
}

/** [tokens [b, 1 + n, D], x [b, n, D]] -> concat(tokens[:, :1], tokens[:, 1:] + x): the class token is left as it is. */
export class AddToPatchTokens extends tf.layers.Layer {
  /** Serialization name. */
  static className = "AddToPatchTokens";

  constructor(args: BaseLayerArgs = {}) {
    super(args);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const shapes = inputShape as tf.Shape[];
    if (!Array.isArray(shapes[0]) || shapes.length !== 2) throw new Error(`${this.name} takes [tokens, patch update].`);
    const [tokens, update] = shapes;
    if (tokens[1] != null && update[1] != null && tokens[1] !== update[1] + 1) {
      throw new Error(`${this.name}: ${tokens[1]} tokens (class token first) cannot take an update for ${update[1]} patches.`);
    }
    return tokens;
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const [tokens, update] = inputs as tf.Tensor[];
      const classToken = tf.slice(tokens, [0, 0, 0], [-1, 1, -1]);
      const patches = tf.slice(tokens, [0, 1, 0], [-1, -1, -1]);
      return tf.concat([classToken, tf.add(patches, update)], 1);
    });
  }
}

tf.serialization.registerClass(PatchUnfold, LAYER_PACKAGE);
tf.serialization.registerClass(PatchFold, LAYER_PACKAGE);
tf.serialization.registerClass(AddToPatchTokens, LAYER_PACKAGE);
