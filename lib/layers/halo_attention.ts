/**
 * Blocked local self-attention with halos (HaloNet; Vaswani et al. 2021,
 * "Scaling Local Self-Attention for Parameter Efficient Visual Backbones"), as
 * timm's layers/halo_attn.py `HaloAttn`:
 *
 *   the feature map is cut into non-overlapping blockSize x blockSize query blocks;
 *   each block attends to a (blockSize + 2 haloSize)² window of keys/values around it
 *   (zero padded at the border); logits = q kᵀ / sqrt(dimHead) + relative position
 *   logits (separate height and width embeddings of 2 * window - 1 rows each).
 *   stride 2 takes every other query pixel (blocks of blockSize / 2 queries).
 *
 * Weights as timm's: q [c, heads * dimHeadQk] and kv [c, heads * (dimHeadQk + dimHeadV)]
 * 1x1 projections without bias (kv's channels grouped per head: k then v), height_rel and
 * width_rel [2 * window - 1, dimHeadQk]. NHWC in, NHWC out ([b, h / stride, w / stride, c]).
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, onlyInput, onlyShape } from "./cnn_common.js";

/** Arguments of {@link HaloAttention}. */
export interface HaloAttentionArgs extends CnnLayerArgs {
  /** Attention heads; the channels must divide by it. Default 8. */
  numHeads?: number;
  /** Side of the query blocks; height and width must divide by it. Default 8. */
  blockSize?: number;
  /** Halo width around each block (the key window is blockSize + 2 haloSize). Default 3 (timm's default; HaloNet-26t uses 2). */
  haloSize?: number;
  /** 1, or 2 to halve the output (queries strided by 2; blockSize must then be even). Default 1. */
  stride?: number;
}

/** timm's make_divisible(v, divisor): nearest multiple of divisor, not below 90% of v. */
export function makeDivisible(value: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((value + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * value) rounded += divisor;
  return rounded;
}

/** Index into a relative embedding of 2 * window - 1 rows for query position w and key position k: k - w + window - 1. */
function relativeIndices(queries: number, window: number): tf.Tensor2D {
  const rows = Array.from({ length: queries }, (_, w) => Array.from({ length: window }, (_, k) => k - w + window - 1));
  return tf.tensor2d(rows, [queries, window], "int32");
}

/** Window start rows/cols for each block: [blocks, window] indices into the halo-padded map. */
function windowIndices(blocks: number, blockSize: number, window: number): tf.Tensor2D {
  const rows = Array.from({ length: blocks }, (_, i) => Array.from({ length: window }, (_, r) => i * blockSize + r));
  return tf.tensor2d(rows, [blocks, window], "int32");
}

/** Halo self-attention on NHWC feature maps; see the module comment. */
export class HaloAttention extends tf.layers.Layer {
  /** Serialization name. */
  static className = "HaloAttention";
  /** Attention heads. */
  readonly numHeads: number;
  /** Query block side. */
  readonly blockSize: number;
  /** Halo width. */
  readonly haloSize: number;
  /** Query stride (1 or 2). */
  readonly stride: number;
  private dimHeadQk = 0;
  private dimHeadV = 0;
  private qKernel?: tf.LayerVariable;
  private kvKernel?: tf.LayerVariable;
  private heightRel?: tf.LayerVariable;
  private widthRel?: tf.LayerVariable;

  constructor(args: HaloAttentionArgs = {}) {
    super(args);
    this.numHeads = args.numHeads ?? 8;
    this.blockSize = args.blockSize ?? 8;
    this.haloSize = args.haloSize ?? 3;
    this.stride = args.stride ?? 1;
    for (const [key, value, min] of [["numHeads", this.numHeads, 1], ["blockSize", this.blockSize, 1], ["haloSize", this.haloSize, 0]] as const) {
      if (!Number.isInteger(value) || value < min) throw new Error(`HaloAttention ${key} must be an integer >= ${min}, got ${value}.`);
    }
    if (this.stride !== 1 && this.stride !== 2) throw new Error(`HaloAttention stride must be 1 or 2, got ${this.stride}.`);
    if (this.stride === 2 && this.blockSize % 2 !== 0) throw new Error(`HaloAttention with stride 2 needs an even blockSize, got ${this.blockSize}.`);
  }

  /** Side of the key/value window. */
  get windowSize(): number {
    return this.blockSize + 2 * this.haloSize;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const shape = onlyShape(inputShape, this.name);
    const channels = shape[3];
    if (shape.length !== 4 || channels == null) throw new Error(`${this.name} needs feature maps [batch, height, width, channels], got [${shape.join(", ")}].`);
    if (channels % this.numHeads !== 0) throw new Error(`${this.name}: ${channels} channels do not split into ${this.numHeads} heads.`);
    this.dimHeadQk = Math.floor(makeDivisible(channels) / this.numHeads);
    this.dimHeadV = channels / this.numHeads;
    const fanIn = tf.initializers.truncatedNormal({ stddev: channels ** -0.5 });
    this.qKernel = this.addWeight("q_kernel", [channels, this.numHeads * this.dimHeadQk], "float32", fanIn);
    this.kvKernel = this.addWeight("kv_kernel", [channels, this.numHeads * (this.dimHeadQk + this.dimHeadV)], "float32", fanIn);
    const relInit = tf.initializers.truncatedNormal({ stddev: this.dimHeadQk ** -0.5 });
    this.heightRel = this.addWeight("height_rel", [2 * this.windowSize - 1, this.dimHeadQk], "float32", relInit);
    this.widthRel = this.addWeight("width_rel", [2 * this.windowSize - 1, this.dimHeadQk], "float32", relInit);
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    const [batch, height, width, channels] = onlyShape(inputShape, this.name);
    for (const side of [height, width]) {
      if (side != null && side % this.blockSize !== 0) {
        throw new Error(`${this.name}: a ${height}x${width} map does not cut into ${this.blockSize}x${this.blockSize} halo blocks.`);
      }
    }
    return [batch, height == null ? null : height / this.stride, width == null ? null : width / this.stride, channels];
  }

  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => {
      const x = onlyInput(inputs, this.name) as tf.Tensor4D;
      const [batch, height, width, channels] = x.shape;
      const { blockSize: bs, haloSize: halo, numHeads: heads, stride, dimHeadQk: dqk, dimHeadV: dv } = this;
      const win = this.windowSize;
      const [nh, nw] = [height / bs, width / bs];
      const bq = bs / stride; // queries per block side
      // Queries: the 1x1 projection of every stride-th pixel, cut into blocks [b * heads, blocks, bq², dqk].
      let xq: tf.Tensor = x;
      if (stride === 2) xq = tf.reshape(tf.slice(tf.reshape(x, [batch, height / 2, 2, width / 2, 2, channels]), [0, 0, 0, 0, 0, 0], [-1, -1, 1, -1, 1, -1]), [batch, height / 2, width / 2, channels]);
      let q = tf.matMul(tf.reshape(xq, [-1, channels]), this.qKernel!.read());
      q = tf.transpose(tf.reshape(q, [batch, nh, bq, nw, bq, heads, dqk]), [0, 5, 1, 3, 2, 4, 6]);
      q = tf.reshape(q, [batch * heads, nh * nw, bq * bq, dqk]);
      // Keys and values: the 1x1 projection, zero padded by the halo, windows gathered per block.
      let kv: tf.Tensor = tf.reshape(tf.matMul(tf.reshape(x, [-1, channels]), this.kvKernel!.read()), [batch, height, width, -1]);
      kv = tf.pad(kv, [[0, 0], [halo, halo], [halo, halo], [0, 0]]);
      kv = tf.gather(kv, windowIndices(nh, bs, win), 1); // [b, nh, win, W + 2 halo, c]
      kv = tf.gather(kv, windowIndices(nw, bs, win), 3); // [b, nh, win, nw, win, c]
      kv = tf.transpose(tf.reshape(kv, [batch, nh, win, nw, win, heads, dqk + dv]), [0, 5, 1, 3, 2, 4, 6]);
      kv = tf.reshape(kv, [batch * heads, nh * nw, win * win, dqk + dv]);
      const [k, v] = tf.split(kv, [dqk, dv], 3);
      const logits = tf.add(tf.mul(tf.matMul(q, k, false, true), dqk ** -0.5), this.relativeLogits(q, bq, win));
      const out = tf.matMul(tf.softmax(logits), v); // [b * heads, blocks, bq², dv]
      const folded = tf.transpose(tf.reshape(out, [batch, heads, nh, nw, bq, bq, dv]), [0, 2, 4, 3, 5, 1, 6]);
      return tf.reshape(folded, [batch, nh * bq, nw * bq, heads * dv]);
    });
  }

  /** Relative position logits [n, blocks, bq², win²] for queries [n, blocks, bq², d] (timm's PosEmbedRel). */
  private relativeLogits(q: tf.Tensor, bq: number, win: number): tf.Tensor {
    const [n, blocks, , d] = q.shape;
    const rows = n * blocks;
    const grid = tf.reshape(q, [rows, bq, bq, d]); // [rows, qh, qw, d]
    const indices = relativeIndices(bq, win);
    // Width: logits[r, qh, qw, kw] = q[r, qh, qw] . width_rel[kw - qw + win - 1], one matmul per qw.
    const widthRel = tf.gather(this.widthRel!.read(), indices); // [qw, win, d]
    const byWidth = tf.reshape(tf.transpose(grid, [2, 0, 1, 3]), [bq, rows * bq, d]);
    const w = tf.transpose(tf.reshape(tf.matMul(byWidth, widthRel, false, true), [bq, rows, bq, win]), [1, 2, 0, 3]); // [rows, qh, qw, kw]
    const heightRel = tf.gather(this.heightRel!.read(), indices); // [qh, win, d]
    const byHeight = tf.reshape(tf.transpose(grid, [1, 0, 2, 3]), [bq, rows * bq, d]);
    const h = tf.transpose(tf.reshape(tf.matMul(byHeight, heightRel, false, true), [bq, rows, bq, win]), [1, 0, 2, 3]); // [rows, qh, qw, kh]
    const sum = tf.add(tf.reshape(h, [rows, bq, bq, win, 1]), tf.reshape(w, [rows, bq, bq, 1, win]));
    return tf.reshape(sum, [n, blocks, bq * bq, win * win]);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), numHeads: this.numHeads, blockSize: this.blockSize, haloSize: this.haloSize, stride: this.stride };
  }
}

tf.serialization.registerClass(HaloAttention, CNN_LAYER_PACKAGE);
