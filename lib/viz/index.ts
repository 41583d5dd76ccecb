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
import { efficiency } from "./efficiency.js";
import { embedding } from "./embedding.js";
import { explore } from "./explore.js";
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
  /**
   * The efficiency chart of a `models.profile` result (Lavin 2024, "On the Efficiency of
   * Convolutional Neural Networks"): each layer at its arithmetic intensity and achieved
   * GFLOP/s under a roofline (peak and bandwidth from the best layers unless given as
   * `peakGflops` / `bandwidthGBs`), the gap to the roof being its efficiency gap.
   * @example viz.efficiency(await models.profile(net, x))
   */
  efficiency,
  /**
   * An interactive explorer (widgets): a layer dropdown (convolutions, or a ViT's attention
   * layers), a channel (or head) slider, and that map over the image, redrawn on every change.
   * @example viz.explore(net, image)
   */
  explore,
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
export type { EfficiencyOptions, EfficiencyRow } from "./efficiency.js";
export type { ExploreOptions, Explorer } from "./explore.js";
