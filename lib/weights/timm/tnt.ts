/**
 * TNT (timm tnt.py): pixel_embed.proj, pixel_pos [1,C,h,w], cls_token, patch_pos,
 * blocks.i.{norm_in, attn_in, norm_mlp_in, mlp_in, norm1_proj, proj, norm2_proj,
 * norm_out, attn_out, norm_mlp, mlp}, norm1_proj, proj, norm2_proj, norm, head.
 * timm's attention keeps qk = Linear(d, 2d) and v = Linear(d, d) apart; tensorcell's
 * one qkv kernel [d, 3d] is their concatenation.
 */
import type * as tf from "@tensorflow/tfjs";
import type { TimmFamilyMap } from "./family.js";
import { permute, type WeightBinding } from "./layout.js";

/** qk (2d rows) and v (d rows) of PyTorch's [out, in] weights as one [d, 3d] kernel, or their biases as one [3d] vector. */
function splitQkv(layer: tf.layers.Layer, v: tf.LayerVariable, part: "weight" | "bias"): WeightBinding {
  const shape = v.shape as number[];
  const inn = part === "weight" ? shape[0] : 1;
  const d = shape[shape.length - 1] / 3;
  const torchShape = (rows: number) => (part === "weight" ? [rows, inn] : [rows]);
  return {
    layer: layer.name,
    variable: v,
    torch: [
      { key: `${layer.name}.qk.${part}`, shape: torchShape(2 * d) },
      { key: `${layer.name}.v.${part}`, shape: torchShape(d) },
    ],
    fromTorch: ([qk, value]) => {
      const rows = new Float32Array(3 * d * inn);
      rows.set(qk);
      rows.set(value, qk.length);
      return part === "weight" ? permute(rows, [3 * d, inn], [1, 0]) : rows;
    },
    toTorch: (data) => {
      const rows = part === "weight" ? permute(data, [inn, 3 * d], [1, 0]) : data;
      return [rows.slice(0, 2 * d * inn), rows.slice(2 * d * inn)];
    },
  };
}

/** tensorcell's pixel_pos [1, h*w, C] is timm's [1, C, h, w]. */
function pixelPos(layer: tf.layers.Layer, v: tf.LayerVariable): WeightBinding {
  const [, tokens, channels] = v.shape as number[];
  const side = Math.round(Math.sqrt(tokens));
  return {
    layer: layer.name,
    variable: v,
    torch: [{ key: layer.name, shape: [1, channels, side, side] }],
    fromTorch: ([data]) => permute(data, [1, channels, side, side], [0, 2, 3, 1]),
    toTorch: (data) => [permute(data, [1, side, side, channels], [0, 3, 1, 2])],
  };
}

/** How TNT checkpoints map onto tensorcell's tnt models. */
export const TNT_MAP: TimmFamilyMap = {
  family: "tnt",
  matches: (keys) => keys.has("pixel_embed.proj.weight") && keys.has("patch_pos"),
  classifier: ["head"],
  layer: (layer, short, v) => {
    if (layer.getClassName() === "MultiHeadSelfAttention" && (short === "qkv_kernel" || short === "qkv_bias")) return splitQkv(layer, v, short === "qkv_kernel" ? "weight" : "bias");
    if (layer.getClassName() === "PositionEmbedding" && layer.name === "pixel_pos" && short === "embedding") return pixelPos(layer, v);
    return undefined;
  },
};
