/**
 * Visualisations for training and explanation: live curves, feature maps, filters,
 * CAMs, attention, embeddings, graphs and confusion matrices. Each returns an object
 * that displays itself as a cell's last value (or with display(x)).
 */
import { attentionMaps } from "./attention.js";
import { eigenCam, gradCam } from "./cam.js";
import { applyColormap } from "./colormap.js";
import { confusionMatrix } from "./confusion.js";
import { liveCurves } from "./curves.js";
import { embedding } from "./embedding.js";
import { featureMaps, filters } from "./featuremaps.js";
import { graph } from "./graph.js";
import { heatmap } from "./heatmap.js";

/** tensorcell's visualisations (preloaded as `viz` in every cell). */
export const viz = {
  liveCurves,
  featureMaps,
  filters,
  eigenCam,
  gradCam,
  attentionMaps,
  embedding,
  graph,
  confusionMatrix,
  heatmap,
  applyColormap,
};

export { LiveCurves, type LiveCurvesOptions } from "./curves.js";
export { VizOutput } from "./output.js";
export { COLORMAPS, type ColormapName } from "./colormap.js";
export type { FeatureMapsOptions, FiltersOptions } from "./featuremaps.js";
export type { CamOptions, GradCamOptions } from "./cam.js";
export type { AttentionMapsOptions } from "./attention.js";
export type { EmbeddingOptions, GraphInput } from "./embedding.js";
export type { DrawableGraph } from "./graph.js";
export type { ConfusionMatrixOptions } from "./confusion.js";
export type { HeatmapOptions } from "./heatmap.js";
