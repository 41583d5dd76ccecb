/**
 * Attention maps of a ViT-family model (ViT, DeiT, ConViT from tensorcell's model
 * library): attention rollout (Abnar & Zuidema 2020) overlaid on the image, and the
 * class token's attention per layer. Reads probabilities with lib/layers' attentionMaps,
 * which finds layers exposing attentionProbabilities(x) [batch, heads, tokens, tokens].
 */
import * as tf from "@tensorflow/tfjs";
import { attentionMaps as readAttention, type AttentionMap } from "../layers/attention_maps.js";
import { upscaleNearest, type RasterImage } from "../display/png.js";
import { batchOf, requireLayersModel } from "./activations.js";
import { camPicture, inputRaster, type CamOptions } from "./cam.js";
import { applyColormap } from "./colormap.js";
import { composeGrid, stackVertically } from "./grid.js";
import { panelFactor } from "./panels.js";
import { checkClassNames, predict, predictedText } from "./prediction.js";
import { imageOutput } from "./output.js";

/** Per-layer attention tiles are enlarged until their side reaches this. */
const LAYER_TILE_SIDE = 128;

/** Options of viz.attentionMaps(). */
export interface AttentionMapsOptions extends Omit<CamOptions, "layer"> {
  /** Attention layer names to use (default: all, in order). */
  layers?: string[];
}

/**
 * The tokens before the patches and the patch grid side: from the attention layer's own
 * layout (class and distillation tokens), else guessed from the token count.
 */
export function tokenLayout(map: AttentionMap): { skip: number; side: number } {
  const [rows, cols] = map.grid;
  if (rows === cols && map.prefixTokens + rows * cols === map.attention.shape[2]) return { skip: map.prefixTokens, side: rows };
  const tokens = map.attention.shape[2];
  const withClassToken = Math.sqrt(tokens - 1);
  if (Number.isInteger(withClassToken)) return { skip: 1, side: withClassToken };
  const patchesOnly = Math.sqrt(tokens);
  if (Number.isInteger(patchesOnly)) return { skip: 0, side: patchesOnly };
  throw new Error(`Cannot lay out ${tokens} tokens as a square patch grid (with or without a class token).`);
}

/**
 * Attention rollout over all attention layers for one image, overlaid on it, plus
 * each layer's head-averaged attention from the class token (or, for models without
 * one, the mean attention each patch receives).
 */
export function attentionMaps(vitModel: tf.LayersModel, image: tf.Tensor, options: AttentionMapsOptions = {}) {
  requireLayersModel(vitModel, "viz.attentionMaps");
  const input = inputRaster(image, "viz.attentionMaps");
  const batch = tf.tidy(() => batchOf(vitModel, image).slice([0, 0, 0, 0], [1, -1, -1, -1]));
  let predicted: string;
  try {
    const prediction = predict(vitModel, batch);
    predicted = predictedText(prediction, checkClassNames(options.classNames, prediction.probabilities.length, "viz.attentionMaps"));
  } catch (predictionError) {
    batch.dispose();
    throw predictionError;
  }
  const maps = readAttention(vitModel, batch, options.layers);
  batch.dispose();
  const perLayer: { layer: string; values: Float32Array }[] = [];
  let rolloutValues: Float32Array;
  let side = 0;
  try {
    rolloutValues = tf.tidy(() => {
      let rollout: tf.Tensor2D | undefined;
      let layout: { skip: number; side: number } | undefined;
      for (const map of maps) {
        const tokens = map.attention.shape[2];
        layout = tokenLayout(map);
        const mean = map.attention.mean(1).squeeze([0]) as tf.Tensor2D; // [tokens, tokens], heads averaged
        // The first token's (class token's) attention to the patches, or the mean attention patches receive.
        const received = (m: tf.Tensor2D) => (layout!.skip ? m.slice([0, layout!.skip], [1, -1]).reshape([-1]) : m.mean(0));
        perLayer.push({ layer: map.layer, values: received(mean).dataSync() as Float32Array });
        // Rollout: residual connections make each layer (A + I) / 2, rows renormalised.
        const withResidual = mean.add(tf.eye(tokens)).div(2);
        const normalised = withResidual.div(withResidual.sum(1, true)) as tf.Tensor2D;
        rollout = rollout && rollout.shape[0] === tokens ? (tf.matMul(normalised, rollout) as tf.Tensor2D) : normalised;
      }
      if (!rollout || !layout) throw new Error("The model returned no attention maps.");
      side = layout.side;
      return (layout.skip ? rollout.slice([0, layout.skip], [1, -1]).reshape([-1]) : rollout.mean(0)).dataSync() as Float32Array;
    });
  } finally {
    maps.forEach((m) => m.attention.dispose());
  }
  const heat = tf.tidy(() => {
    const grid = tf.tensor(rolloutValues, [side, side, 1]);
    const min = grid.min();
    const normalised = grid.sub(min).div(tf.maximum(grid.max().sub(min), 1e-12)) as tf.Tensor3D;
    return tf.image.resizeBilinear(normalised, [input.height, input.width], true).dataSync() as Float32Array;
  });
  const rolloutRange: [number, number] = [Math.min(...rolloutValues), Math.max(...rolloutValues)];
  const rolloutPicture = camPicture(input, heat, {
    title: [`Attention rollout over ${perLayer.length} layers, ${side}x${side} patch grid`, predicted],
    heatmapLabel: "rollout",
    range: rolloutRange,
  }, options);
  const tiles: RasterImage[] = perLayer.map(({ values }) =>
    upscaleNearest({ pixels: applyColormap(values, options.colormap ?? "inferno"), width: side, height: side, channels: 3 }, panelFactor(side, side, LAYER_TILE_SIDE)));
  const layerGrid = composeGrid([{
    label: "Each layer's attention to the patches (heads averaged, each on its own min..max)",
    tiles,
    tileLabels: perLayer.map((l) => l.layer),
    columns: Math.min(6, tiles.length),
  }]);
  const picture = stackVertically(rolloutPicture, layerGrid);
  const text = `Attention of ${perLayer.length} layers on a ${side}x${side} patch grid; ${predicted}: rollout (input | heatmap | overlay), then each layer (${perLayer.map((l) => l.layer).join(", ")}).`;
  return imageOutput(picture, text, { layers: perLayer.map((l) => l.layer), rollout: Array.from(rolloutValues), side });
}
