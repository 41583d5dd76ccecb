/**
 * Reads the attention probabilities of every attention layer of a model
 * (MultiHeadSelfAttention, GatedPositionalSelfAttention), for explanations
 * such as attention rollout or per-head attention maps (viz.attentionMaps).
 */
import * as tf from "@tensorflow/tfjs";
import { type AttentionProbabilitiesSource, hasAttentionProbabilities } from "./attention.js";

/** One attention layer's probabilities for a batch of inputs. */
export interface AttentionMap {
  /** Layer name, e.g. "blocks.3.attn". */
  layer: string;
  /** Number of heads. */
  numHeads: number;
  /** Probabilities [batch, heads, tokens, tokens]; row i is where query token i looks. Each row sums to 1. */
  attention: tf.Tensor4D;
  /**
   * Tokens before the patches: 1 (class token) for ViT/DeiT and ConViT's MHSA blocks,
   * 2 (class + distillation token) for distilled DeiT, 0 for ConViT's GPSA blocks.
   */
  prefixTokens: number;
  /** Patch grid [rows, cols]: patch p (after the prefix tokens) sits at row floor(p / cols), column p % cols. */
  grid: [number, number];
}

/** The patch grid of a model: the output of its patch-embedding conv ("patch_embed.proj"), else a square guess. */
function patchGridOf(model: tf.LayersModel, tokens: number): [number, number] {
  const proj = model.layers.find((layer) => layer.name === "patch_embed.proj");
  const shape = proj ? (proj.outputShape as (number | null)[]) : undefined;
  if (shape && shape.length === 4 && shape[1] != null && shape[2] != null) return [shape[1], shape[2]];
  for (let prefix = 0; prefix <= 2; prefix++) {
    const side = Math.sqrt(tokens - prefix);
    if (Number.isInteger(side)) return [side, side];
  }
  throw new Error(`Cannot lay ${tokens} tokens out as a patch grid; the model has no "patch_embed.proj" layer to read the grid from.`);
}

/** The attention layers of a model, in the order they run. */
export function attentionLayers(model: tf.LayersModel): (tf.layers.Layer & AttentionProbabilitiesSource)[] {
  return model.layers.filter((layer): layer is tf.layers.Layer & AttentionProbabilitiesSource =>
    hasAttentionProbabilities(layer),
  );
}

/**
 * Runs `images` through `model` and returns each attention layer's probabilities
 * [batch, heads, tokens, tokens] (for ViT: token 0 is the class token, then the
 * patches row by row; ConViT's GPSA layers see patches only). The caller disposes
 * the returned tensors (`maps.forEach((m) => m.attention.dispose())`).
 *
 * @param model A model built by the ViT, DeiT or ConViT families (or any model with these attention layers).
 * @param images Input batch shaped like the model's input, e.g. [batch, 32, 32, 3].
 * @param layers Optional subset of layer names; default: every attention layer.
 */
export function attentionMaps(model: tf.LayersModel, images: tf.Tensor, layers?: string[]): AttentionMap[] {
  let chosen = attentionLayers(model);
  if (chosen.length === 0) {
    throw new Error(`Model "${model.name}" has no attention layers; attention maps need a ViT, DeiT or ConViT model.`);
  }
  if (layers) {
    const unknown = layers.filter((name) => !chosen.some((layer) => layer.name === name));
    if (unknown.length) {
      throw new Error(`No attention layer named ${unknown.map((n) => `"${n}"`).join(", ")}; attention layers are: ${chosen.map((l) => l.name).join(", ")}.`);
    }
    chosen = chosen.filter((layer) => layers.includes(layer.name));
  }
  // A side model from the model's input to each attention layer's input (the normalised tokens).
  const probe = tf.model({
    inputs: model.inputs,
    outputs: chosen.map((layer) => layer.input as tf.SymbolicTensor),
  });
  const layerInputs = tf.tidy(() => {
    const out = probe.predict(images);
    return Array.isArray(out) ? out : [out];
  });
  try {
    return chosen.map((layer, i) => {
      const tokens = layerInputs[i].shape[1]!;
      const grid = patchGridOf(model, tokens);
      return {
        layer: layer.name,
        numHeads: layer.numHeads,
        attention: layer.attentionProbabilities(layerInputs[i]),
        prefixTokens: tokens - grid[0] * grid[1],
        grid,
      };
    });
  } finally {
    tf.dispose(layerInputs);
  }
}
