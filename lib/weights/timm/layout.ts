/**
 * How each tensorcell layer's weights sit in a timm / PyTorch state dict.
 * tensorcell names its layers after timm's modules ("layer1.0.conv1",
 * "stages.0.blocks.0.conv_dw", "blocks.3.attn"), so a layer's keys are its
 * name plus PyTorch's parameter names; only the layouts differ:
 *
 *   layer (class)                 tfjs weight          PyTorch key / shape
 *   Conv2D                        kernel [kh,kw,I,O]   .weight [O,I,kh,kw]   (.bias)
 *   DepthwiseConv2D               kernel [kh,kw,C,1]   .weight [C,1,kh,kw]   (.bias)
 *   Dense                         kernel [in,out]      .weight [out,in] (or [out,in,1,1], timm's conv_mlp)
 *   BatchNormalization            gamma beta moving_*  .weight .bias .running_mean .running_var (+ num_batches_tracked)
 *   ChannelLayerNorm              gamma beta           .weight .bias
 *   LayerScale ("x.gamma")        gamma [C]            x.gamma [C]
 *   MultiHeadSelfAttention        qkv/proj kernels     .qkv.weight [3C,C] (q, k, v rows), .proj.weight
 *   GatedPositionalSelfAttention  qk, v, proj, pos     .qk.weight [2C,C], .v.weight, .pos_proj.weight [H,3], .gating_param
 *   ClassToken                    token [1,n,C]        cls_token [1,1,C] (+ dist_token [1,1,C], DeiT)
 *   PositionEmbedding             embedding [1,T,C]    pos_embed [1,T,C]
 *   InstanceNorm                  gamma beta           .weight .bias                         (IBN-Net's nn.InstanceNorm2d(affine=True))
 *   DilatedDepthwiseConv2D        kernel [k,k,C,1]     .weight [C,1,k,k]   (.bias)           (UniRepLKNet's dil_conv_*)
 *   GlobalResponseNorm            gamma beta [C]       .gamma .beta [1,1,1,C] (or [C])        (UniRepLKNet's GRNwithNHWC)
 *   HaloAttention                 q/kv kernels [in,o]  .q.weight .kv.weight [o,in,1,1], .pos_embed.height_rel / width_rel
 *
 * A family map (family.ts) may rename keys (HorNet's authors' names) and lay
 * out layers its own way (TNT's split qk / v attention, its [1,C,h,w] pixel_pos).
 */
import type * as tf from "@tensorflow/tfjs";

/** One PyTorch tensor of a binding. */
export interface TorchTensorSpec {
  /** State-dict key, e.g. "layer1.0.conv1.weight". */
  key: string;
  /** PyTorch shape. */
  shape: number[];
  /** Other shapes with the same element order that loading accepts (timm's 1x1-conv MLPs: [out,in,1,1]). */
  alternatives?: number[][];
}

/** One tfjs variable and the PyTorch tensor(s) it corresponds to. */
export interface WeightBinding {
  /** The layer's name (timm's module path). */
  layer: string;
  /** The tfjs variable. */
  variable: tf.LayerVariable;
  /** The PyTorch tensors (one, except ClassToken with a distillation token). */
  torch: TorchTensorSpec[];
  /** PyTorch data (one array per entry of `torch`, row-major) to the variable's layout. */
  fromTorch(parts: Float32Array[]): Float32Array;
  /** The variable's data to PyTorch's layout, one array per entry of `torch`. */
  toTorch(data: Float32Array): Float32Array[];
}

/** Copies `data` of `shape` with its axes reordered: output axis i is input axis perm[i]. */
export function permute(data: Float32Array, shape: number[], perm: number[]): Float32Array {
  const rank = shape.length;
  const outShape = perm.map((axis) => shape[axis]);
  const inStrides = new Array<number>(rank);
  let stride = 1;
  for (let axis = rank - 1; axis >= 0; axis--) {
    inStrides[axis] = stride;
    stride *= shape[axis];
  }
  const strides = perm.map((axis) => inStrides[axis]);
  const out = new Float32Array(data.length);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let i = 0; i < out.length; i++) {
    out[i] = data[source];
    for (let axis = rank - 1; axis >= 0; axis--) {
      index[axis] += 1;
      source += strides[axis];
      if (index[axis] < outShape[axis]) break;
      source -= strides[axis] * outShape[axis];
      index[axis] = 0;
    }
  }
  return out;
}

const identity = (data: Float32Array) => data;

/** A binding of one variable to one PyTorch tensor, converted by `from` / `to`. */
export function single(layer: string, variable: tf.LayerVariable, key: string, shape: number[], from: (d: Float32Array) => Float32Array, to: (d: Float32Array) => Float32Array, alternatives?: number[][]): WeightBinding {
  return { layer, variable, torch: [{ key, shape, alternatives }], fromTorch: (parts) => from(parts[0]), toTorch: (data) => [to(data)] };
}

/** A binding of one variable to one PyTorch tensor of the same shape and layout. */
export function same(layer: string, variable: tf.LayerVariable, key: string): WeightBinding {
  return single(layer, variable, key, [...(variable.shape as number[])], identity, identity);
}

/** A [in, out] matrix stored by PyTorch as [out, in]. */
export function transposed(layer: string, variable: tf.LayerVariable, key: string, alternatives?: (out: number, inn: number) => number[][]): WeightBinding {
  const [inn, out] = variable.shape as number[];
  return single(layer, variable, key, [out, inn], (d) => permute(d, [out, inn], [1, 0]), (d) => permute(d, [inn, out], [1, 0]), alternatives?.(out, inn));
}

/** The variable's own short name ("kernel", "moving_mean", "qkv_kernel"). */
export function weightShortName(variable: tf.LayerVariable): string {
  const full = variable.originalName ?? variable.name;
  return full.slice(full.lastIndexOf("/") + 1).replace(/_\d+$/, "");
}

/** The binding of one weight of a layer, or undefined when the mapper has no layout for it. */
export type LayerMapper = (layer: tf.layers.Layer, short: string, variable: tf.LayerVariable) => WeightBinding | undefined;

const BATCH_NORM: Record<string, string> = { gamma: "weight", beta: "bias", moving_mean: "running_mean", moving_variance: "running_var" };
const ATTENTION: Record<string, string> = { qkv_kernel: "qkv.weight", qk_kernel: "qk.weight", v_kernel: "v.weight", proj_kernel: "proj.weight", pos_proj_kernel: "pos_proj.weight" };
const ATTENTION_BIAS: Record<string, string> = { qkv_bias: "qkv.bias", qk_bias: "qk.bias", v_bias: "v.bias", proj_bias: "proj.bias", pos_proj_bias: "pos_proj.bias", gating: "gating_param" };

const MAPPERS: Record<string, LayerMapper> = {
  Conv2D: (layer, short, v) => {
    if (short === "bias") return same(layer.name, v, `${layer.name}.bias`);
    if (short !== "kernel") return undefined;
    const [kh, kw, inn, out] = v.shape as number[];
    return single(layer.name, v, `${layer.name}.weight`, [out, inn, kh, kw], (d) => permute(d, [out, inn, kh, kw], [2, 3, 1, 0]), (d) => permute(d, [kh, kw, inn, out], [3, 2, 0, 1]));
  },
  DepthwiseConv2D: depthwiseMapper,
  DilatedDepthwiseConv2D: depthwiseMapper,
  Dense: (layer, short, v) => {
    if (short === "bias") return same(layer.name, v, `${layer.name}.bias`);
    if (short !== "kernel") return undefined;
    return transposed(layer.name, v, `${layer.name}.weight`, (out, inn) => [[out, inn, 1, 1]]);
  },
  BatchNormalization: (layer, short, v) => (BATCH_NORM[short] ? same(layer.name, v, `${layer.name}.${BATCH_NORM[short]}`) : undefined),
  ChannelLayerNorm: (layer, short, v) => (short === "gamma" || short === "beta" ? same(layer.name, v, `${layer.name}.${short === "gamma" ? "weight" : "bias"}`) : undefined),
  LayerScale: (layer, short, v) => (short === "gamma" ? same(layer.name, v, layer.name.endsWith(".gamma") ? layer.name : `${layer.name}.gamma`) : undefined),
  MultiHeadSelfAttention: attentionMapper,
  GatedPositionalSelfAttention: attentionMapper,
  ClassToken: (layer, short, v) => {
    if (short !== "token") return undefined;
    const [, tokens, channels] = v.shape as number[];
    const prefix = layer.name.slice(0, layer.name.length - "cls_token".length);
    const names = ["cls_token", "dist_token"].slice(0, tokens);
    if (names.length !== tokens) return undefined;
    return {
      layer: layer.name,
      variable: v,
      torch: names.map((name) => ({ key: `${prefix}${name}`, shape: [1, 1, channels] })),
      fromTorch: (parts) => {
        const out = new Float32Array(tokens * channels);
        parts.forEach((part, i) => out.set(part, i * channels));
        return out;
      },
      toTorch: (data) => names.map((_, i) => data.slice(i * channels, (i + 1) * channels)),
    };
  },
  PositionEmbedding: (layer, short, v) => (short === "embedding" ? same(layer.name, v, layer.name) : undefined),
  InstanceNorm: (layer, short, v) => (short === "gamma" || short === "beta" ? same(layer.name, v, `${layer.name}.${short === "gamma" ? "weight" : "bias"}`) : undefined),
  GlobalResponseNorm: (layer, short, v) => {
    if (short !== "gamma" && short !== "beta") return undefined;
    const [channels] = v.shape as number[];
    return single(layer.name, v, `${layer.name}.${short}`, [1, 1, 1, channels], identity, identity, [[channels]]);
  },
  HaloAttention: (layer, short, v) => {
    if (short === "height_rel" || short === "width_rel") return same(layer.name, v, `${layer.name}.pos_embed.${short}`);
    if (short !== "q_kernel" && short !== "kv_kernel") return undefined;
    const [inn, out] = v.shape as number[];
    const key = `${layer.name}.${short === "q_kernel" ? "q" : "kv"}.weight`;
    return single(layer.name, v, key, [out, inn, 1, 1], (d) => permute(d, [out, inn], [1, 0]), (d) => permute(d, [inn, out], [1, 0]));
  },
};

function depthwiseMapper(layer: tf.layers.Layer, short: string, v: tf.LayerVariable): WeightBinding | undefined {
  if (short === "bias") return same(layer.name, v, `${layer.name}.bias`);
  if (short !== "depthwise_kernel") return undefined;
  const [kh, kw, channels, multiplier] = v.shape as number[];
  if (multiplier !== 1) return undefined;
  return single(layer.name, v, `${layer.name}.weight`, [channels, 1, kh, kw], (d) => permute(d, [channels, 1, kh, kw], [2, 3, 0, 1]), (d) => permute(d, [kh, kw, channels, 1], [2, 3, 0, 1]));
}

function attentionMapper(layer: tf.layers.Layer, short: string, v: tf.LayerVariable): WeightBinding | undefined {
  if (ATTENTION[short]) return transposed(layer.name, v, `${layer.name}.${ATTENTION[short]}`);
  if (ATTENTION_BIAS[short]) return same(layer.name, v, `${layer.name}.${ATTENTION_BIAS[short]}`);
  return undefined;
}

/** What a family changes in the generic layouts (a subset of TimmFamilyMap). */
export interface LayoutOverrides {
  /** Layouts of the family's own layers, tried before the generic ones. */
  layer?: LayerMapper;
  /** The checkpoint's key for a key the layouts give (a family whose reference names differ from tensorcell's). */
  torchKey?(key: string): string;
}

/**
 * Every weight of `model` with its PyTorch key(s) and layout, in model order.
 * Throws a one-line error naming the first layer whose weights have no timm layout.
 */
export function timmBindings(model: tf.LayersModel, caller: string, overrides: LayoutOverrides = {}): WeightBinding[] {
  const bindings: WeightBinding[] = [];
  const { torchKey } = overrides;
  for (const layer of model.layers) {
    for (const variable of layer.weights) {
      const short = weightShortName(variable);
      let binding = overrides.layer?.(layer, short, variable) ?? MAPPERS[layer.getClassName()]?.(layer, short, variable);
      if (binding && torchKey) binding = { ...binding, torch: binding.torch.map((spec) => ({ ...spec, key: torchKey(spec.key) })) };
      if (!binding) {
        throw new Error(`${caller}: layer ${layer.name} (${layer.getClassName()}) has weight "${short}", which has no PyTorch (timm) layout; save the model to a folder instead.`);
      }
      bindings.push(binding);
    }
  }
  return bindings;
}
