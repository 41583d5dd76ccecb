/**
 * How each family's PyTorch reference state dict maps onto tensorcell's layers
 * (used by the parity tests and by bench/parity/full-size.ts): a layer-name
 * mapping plus the weights of layers the generic mapping of reference-weights.ts
 * does not know.
 */
import * as tf from "@tensorflow/tfjs";
import { loadTorchState, type TorchGetter } from "./reference-weights.js";

interface Mapping {
  torchName(layerName: string): string;
  custom(layer: tf.layers.Layer, prefix: string, get: TorchGetter): tf.Tensor[] | undefined;
}

const MAPPINGS: Record<string, Mapping> = {
  // timm tnt.py: the same module names.
  tnt: {
    torchName: (name) => name,
    custom: (layer, prefix, get) => {
      switch (layer.getClassName()) {
        case "MultiHeadSelfAttention": {
          // timm: qk = Linear(d, 2d) (q then k), v = Linear(d, d); here one [d, 3d] kernel q|k|v.
          const qkv = tf.concat([get(`${prefix}.qk.weight`).transpose(), get(`${prefix}.v.weight`).transpose()], 1);
          const bias = layer.weights.length === 4 ? [tf.concat([get(`${prefix}.qk.bias`), get(`${prefix}.v.bias`)])] : [];
          return [qkv, ...bias, get(`${prefix}.proj.weight`).transpose(), get(`${prefix}.proj.bias`)];
        }
        case "ClassToken":
          return [get("cls_token")];
        case "PositionEmbedding": {
          if (prefix === "patch_pos") return [get("patch_pos")];
          const pos = get("pixel_pos"); // [1, innerDim, side, side] -> [1, side * side, innerDim]
          return [pos.transpose([0, 2, 3, 1]).reshape([1, -1, pos.shape[1]!])];
        }
        default:
          return undefined;
      }
    },
  },
  // hornet.py: ConvNeXt-style names from the shared MetaNeXt trunk -> downsample_layers / stages.i.j.
  hornet: {
    torchName: (name) =>
      name
        .replace(/^stem\.(\d)$/, "downsample_layers.0.$1")
        .replace(/^stages\.(\d)\.downsample\.(\d)$/, "downsample_layers.$1.$2")
        .replace(/^stages\.(\d)\.blocks\.(\d+)\.gnconv_out\.gamma$/, "stages.$1.$2.gamma1")
        .replace(/^stages\.(\d)\.blocks\.(\d+)\.gamma$/, "stages.$1.$2.gamma2")
        .replace(/^stages\.(\d)\.blocks\.(\d+)\./, "stages.$1.$2.")
        .replace(/^head\.norm$/, "norm")
        .replace(/^head\.fc$/, "head"),
    custom: () => undefined,
  },
  // timm byobnet / halo_attn.py: the same module names; HaloAttention holds q, kv and the two relative embeddings.
  halonet: {
    torchName: (name) => name,
    custom: (layer, prefix, get) => {
      if (layer.getClassName() !== "HaloAttention") return undefined;
      const kernel = (key: string) => get(key).squeeze([2, 3]).transpose(); // 1x1 conv [out, in, 1, 1] -> [in, out]
      return [kernel(`${prefix}.q.weight`), kernel(`${prefix}.kv.weight`), get(`${prefix}.pos_embed.height_rel`), get(`${prefix}.pos_embed.width_rel`)];
    },
  },
};

/** Copies a reference state dict of `family` ("tnt", "hornet", "halonet") into `model`. */
export function loadReferenceState(family: string, model: tf.LayersModel, state: Map<string, tf.Tensor>): void {
  const mapping = MAPPINGS[family];
  if (!mapping) throw new Error(`no reference mapping for family "${family}"`);
  loadTorchState(model, state, mapping.torchName, mapping.custom);
}
