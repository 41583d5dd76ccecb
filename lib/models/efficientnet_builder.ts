/**
 * A subset of timm's EfficientNet builder (_efficientnet_builder.py): decodes
 * timm's architecture strings and builds their depthwise-separable ("ds") and
 * inverted-residual ("ir", MobileNetV2) blocks with timm's module names, so
 * that the mobile families (spnasnet_100 ...) are written as timm writes them:
 *
 *   "ir_r3_k3_s2_e3_c24" = inverted residual, repeated 3 times, 3x3 depthwise
 *   kernel, stride 2 on the first repeat, expansion 3, 24 output channels;
 *   "_noskip" removes the residual connection.
 *
 *   ds: conv_dw kxk/s -> bn1 -> ReLU -> conv_pw 1x1 -> bn2            [+ input]
 *   ir: conv_pw 1x1 (e x in) -> bn1 -> ReLU -> conv_dw kxk/s -> bn2 -> ReLU
 *       -> conv_pwl 1x1 -> bn3                                          [+ input]
 *
 * The residual exists when stride is 1, in == out and the block is not
 * "noskip"; with drop-path rate r, block j of n (counted over the whole
 * network) drops its branch with probability r * j / n, as timm does.
 * Convolutions are bias-free with PyTorch's symmetric padding (k - 1) / 2;
 * BatchNorm eps 1e-5. Options outside this subset (se, activation overrides,
 * other block types) are rejected with the string that used them.
 */
import { DropPath } from "../layers/drop_path.js";
import { activation, add, apply, batchNorm, type Node, torchConv2d } from "./cnn_blocks.js";

/** One decoded block string (one entry of a stage, before repeats are expanded). */
export interface BlockArgs {
  /** "ds" (depthwise separable) or "ir" (inverted residual). */
  type: "ds" | "ir";
  /** Number of repeats. */
  repeat: number;
  /** Depthwise kernel size. */
  kernel: number;
  /** Stride of the first repeat. */
  stride: number;
  /** Expansion ratio (ir only; 1 for ds). */
  expansion: number;
  /** Output channels (before the channel multiplier). */
  channels: number;
  /** Whether the residual connection is forced off. */
  noskip: boolean;
}

/** Decodes one timm block string such as "ir_r3_k5_s2_e6_c40" or "ds_r1_k3_s1_c16_noskip". */
export function decodeBlock(text: string): BlockArgs {
  const [type, ...ops] = text.split("_");
  if (type !== "ds" && type !== "ir") throw new Error(`architecture string "${text}": block type must be ds or ir, got "${type}".`);
  const args: BlockArgs = { type, repeat: 1, kernel: 3, stride: 1, expansion: 1, channels: 0, noskip: false };
  for (const op of ops) {
    if (op === "noskip") { args.noskip = true; continue; }
    const key = op[0];
    const value = Number(op.slice(1));
    const field = ({ r: "repeat", k: "kernel", s: "stride", e: "expansion", c: "channels" } as const)[key as "r"];
    if (!field || !Number.isFinite(value)) throw new Error(`architecture string "${text}": unsupported option "${op}".`);
    args[field] = value;
  }
  if (!(args.channels > 0)) throw new Error(`architecture string "${text}": needs an output channel count (c<n>).`);
  return args;
}

/** timm's make_divisible: nearest multiple of `divisor`, at least `divisor`, never more than 10% below v. */
export function makeDivisible(v: number, divisor = 8): number {
  let rounded = Math.max(divisor, Math.floor((v + divisor / 2) / divisor) * divisor);
  if (rounded < 0.9 * v) rounded += divisor;
  return rounded;
}

/** timm's round_channels: channels x multiplier made divisible by 8 (a multiplier of 0 leaves channels as they are). */
export function roundChannels(channels: number, multiplier: number): number {
  return multiplier ? makeDivisible(channels * multiplier) : channels;
}

/** What {@link buildBlocks} returns. */
export interface BuiltBlocks {
  /** The last block's output. */
  x: Node;
  /** Output channels of the last block. */
  channels: number;
  /** timm's feature_info: "blocks.<stage>" -> the layer ending that stage, for stages before a stride or at the end. */
  features: Record<string, string>;
}

/**
 * Builds timm's `blocks` Sequential from an architecture definition (one list
 * of block strings per stage), starting from `x` with `inChannels` channels.
 */
export function buildBlocks(x: Node, inChannels: number, archDef: string[][], multiplier: number, dropPathRate: number): BuiltBlocks {
  const stages = archDef.map((stage) => stage.map(decodeBlock));
  const total = stages.flat().reduce((sum, b) => sum + b.repeat, 0);
  const features: Record<string, string> = {};
  let channels = inChannels;
  let blockIndex = 0;
  stages.forEach((stage, s) => {
    let i = 0;
    for (const args of stage) {
      for (let r = 0; r < args.repeat; r++) {
        const stride = r === 0 ? args.stride : 1;
        const out = roundChannels(args.channels, multiplier);
        const rate = (dropPathRate * blockIndex) / total;
        x = (args.type === "ds" ? dsBlock : irBlock)(x, channels, out, args, stride, rate, `blocks.${s}.${i}`);
        channels = out;
        blockIndex++;
        i++;
      }
    }
    const next = stages[s + 1];
    if (!next || next[0].stride > 1) features[`blocks.${s}`] = x.sourceLayer.name;
  });
  return { x, channels, features };
}

function conv(x: Node, filters: number, kernel: number, stride: number, name: string, depthwise = false): Node {
  return torchConv2d(x, { filters, kernelSize: kernel, strides: stride, padding: Math.floor((kernel - 1) / 2), useBias: false, depthwise, name });
}

function residual(y: Node, x: Node, inChannels: number, outChannels: number, stride: number, noskip: boolean, rate: number, name: string): Node {
  if (noskip || stride !== 1 || inChannels !== outChannels) return y;
  const branch = rate > 0 ? apply(new DropPath({ rate, name: `${name}.drop_path` }), y) : y;
  return add(branch, x, name);
}

function dsBlock(x: Node, inChannels: number, out: number, args: BlockArgs, stride: number, rate: number, name: string): Node {
  let y = conv(x, inChannels, args.kernel, stride, `${name}.conv_dw`, true);
  y = activation(batchNorm(y, `${name}.bn1`), "relu", `${name}.bn1.act`);
  y = batchNorm(conv(y, out, 1, 1, `${name}.conv_pw`), `${name}.bn2`);
  return residual(y, x, inChannels, out, stride, args.noskip, rate, name);
}

function irBlock(x: Node, inChannels: number, out: number, args: BlockArgs, stride: number, rate: number, name: string): Node {
  const mid = makeDivisible(inChannels * args.expansion);
  let y = conv(x, mid, 1, 1, `${name}.conv_pw`);
  y = activation(batchNorm(y, `${name}.bn1`), "relu", `${name}.bn1.act`);
  y = conv(y, mid, args.kernel, stride, `${name}.conv_dw`, true);
  y = activation(batchNorm(y, `${name}.bn2`), "relu", `${name}.bn2.act`);
  y = batchNorm(conv(y, out, 1, 1, `${name}.conv_pwl`), `${name}.bn3`);
  return residual(y, x, inChannels, out, stride, args.noskip, rate, name);
}
