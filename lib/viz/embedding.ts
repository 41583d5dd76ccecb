/**
 * 2-D PCA projection of embeddings (or of a graph model's last hidden
 * representation), coloured by class, as Vega-Lite. When a projection would
 * say nothing (two or fewer dimensions, or a second component without
 * variance) the raw values are plotted instead and the caption says so.
 */
import * as tf from "@tensorflow/tfjs";
import { vegaLiteBundle } from "../display/vegalite.js";
import { isLayersModel } from "../display/model-summary.js";
import { isTensor } from "../display/tensor-repr.js";
import { checkFeatureWidth, checkGraphTensors, graphModelKind } from "../models/graph_guard.js";
import { findLayer } from "./activations.js";
import { readLabels, type LabelsLike } from "./labels.js";
import { VizOutput } from "./output.js";

/** A graph as tensorcell's datasets give it (lib/data Graph): features, edges, optional labels and class names. */
export interface GraphInput {
  x: tf.Tensor;
  edgeIndex: tf.Tensor;
  y?: tf.Tensor;
  classNames?: string[];
}

/** Options of viz.embedding(). */
export interface EmbeddingOptions {
  /** Chart title (default "Embedding (PCA)"). */
  title?: string;
  /** Class names indexed by label id. */
  classNames?: string[];
  /**
   * With a model: the layer whose output to project, or "output" for the model's output.
   * Default: the last hidden representation, the input of the classifier layer
   * (gcn: conv2's input, 16 dims; appnp / dagnn: lin2's input, before propagation).
   */
  layer?: string;
}

/** A second principal component with less than this share of the variance counts as none. */
const DEGENERATE_SHARE = 1e-4;

/** Top-2 principal components of rows (centered), by power iteration with deflation. */
function pca2(rows: Float32Array, n: number, d: number): { points: [number, number][]; explained: [number, number] } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let j = 0; j < d; j++) mean[j]! += rows[i * d + j]! / n;
  const centered = Float64Array.from(rows, (v, k) => v - mean[k % d]!);
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = centered[i * d + a]!;
      if (va === 0) continue;
      for (let b = a; b < d; b++) cov[a * d + b]! += va * centered[i * d + b]!;
    }
  }
  for (let a = 0; a < d; a++) for (let b = 0; b < a; b++) cov[a * d + b] = cov[b * d + a]!;
  const total = Array.from({ length: d }, (_, a) => cov[a * d + a]!).reduce((s, v) => s + v, 0);
  const components: Float64Array[] = [];
  const eigenvalues: number[] = [];
  for (let k = 0; k < Math.min(2, d); k++) {
    // Deterministic start, not aligned with any axis.
    let v = Float64Array.from({ length: d }, (_, j) => 1 + ((j * 7919 + k * 104729) % 97) / 97);
    let lambda = 0;
    for (let iter = 0; iter < 200; iter++) {
      const next = new Float64Array(d);
      for (let a = 0; a < d; a++) { let s = 0; for (let b = 0; b < d; b++) s += cov[a * d + b]! * v[b]!; next[a] = s; }
      for (const previous of components) {
        const dot = next.reduce((s, x, j) => s + x * previous[j]!, 0);
        for (let j = 0; j < d; j++) next[j]! -= dot * previous[j]!;
      }
      const norm = Math.hypot(...next);
      if (norm === 0) break;
      lambda = norm;
      v = next.map((x) => x / norm);
    }
    components.push(v);
    eigenvalues.push(lambda);
  }
  const points = Array.from({ length: n }, (_, i): [number, number] => {
    const project = (c: Float64Array | undefined) => (c ? c.reduce((s, x, j) => s + x * centered[i * d + j]!, 0) : 0);
    return [project(components[0]), project(components[1])];
  });
  const share = (k: number) => (total > 0 ? (eigenvalues[k] ?? 0) / total : 0);
  return { points, explained: [share(0), share(1)] };
}

function isGraphInput(value: unknown): value is GraphInput {
  return typeof value === "object" && value !== null && isTensor((value as GraphInput).x) && isTensor((value as GraphInput).edgeIndex);
}

/** Width of the last axis of a symbolic tensor. */
function width(tensor: tf.SymbolicTensor): number | null {
  return tensor.shape[tensor.shape.length - 1] ?? null;
}

/** The first input tensor of a layer's first call. */
function firstInput(layer: tf.layers.Layer): tf.SymbolicTensor | undefined {
  return layer.inboundNodes[0]?.inputTensors[0];
}

/**
 * A model's last hidden representation: walking back from the output, the input of the
 * first layer with weights whose input is not numClasses wide (the classifier; propagation
 * after it, as in APPNP and DAGNN, is skipped). Falls back to the input of the last layer
 * with weights, then to the model's output.
 */
export function lastHiddenTensor(model: tf.LayersModel): { tensor: tf.SymbolicTensor; description: string } {
  const output = model.outputs[0]!;
  const numClasses = width(output);
  const inputs = new Set(model.inputs);
  let tensor: tf.SymbolicTensor | undefined = output;
  while (tensor && !inputs.has(tensor)) {
    const layer = tensor.sourceLayer as tf.layers.Layer;
    const input = firstInput(layer);
    if (!input) break;
    if (layer.weights.length > 0 && width(input) !== numClasses && !inputs.has(input)) {
      return { tensor: input, description: `the input of ${layer.name}` };
    }
    tensor = input;
  }
  const lastWeighted = [...model.layers].reverse().find((l) => l.weights.length > 0);
  const input = lastWeighted && firstInput(lastWeighted);
  if (lastWeighted && input) return { tensor: input, description: `the input of ${lastWeighted.name}` };
  return { tensor: output, description: "the model's output" };
}

/** The symbolic tensor `viz.embedding` projects for a model, and how to name it. */
function embeddingTensor(model: tf.LayersModel, layer: string | undefined): { tensor: tf.SymbolicTensor; description: string } {
  if (layer === undefined) return lastHiddenTensor(model);
  if (layer === "output" && !model.layers.some((l) => l.name === "output")) return { tensor: model.outputs[0]!, description: "the model's output" };
  const found = findLayer(model, layer);
  return { tensor: found.output as tf.SymbolicTensor, description: `the output of ${found.name}` };
}

/** Share of the total variance held by each column of rows [n, d]. */
function columnVarianceShares(rows: Float32Array, n: number, d: number): number[] {
  const variances = Array.from({ length: d }, (_, j) => {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += rows[i * d + j]! / n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += (rows[i * d + j]! - mean) ** 2;
    return sum / n;
  });
  const total = variances.reduce((a, b) => a + b, 0);
  return variances.map((v) => (total > 0 ? v / total : 0));
}

/** A plot of the raw values: the two dimensions with the most variance (one dimension: against the row index). */
function rawPlot(rows: Float32Array, n: number, d: number): { points: [number, number][]; axes: [string, string]; explained: [number, number] } {
  if (d === 1) return { points: Array.from({ length: n }, (_, i): [number, number] => [rows[i]!, i]), axes: ["dimension 0", "index"], explained: [1, 0] };
  const shares = columnVarianceShares(rows, n, d);
  const [a, b] = shares.map((share, j) => ({ share, j })).sort((p, q) => q.share - p.share || p.j - q.j).slice(0, 2).map((p) => p.j).sort((p, q) => p - q) as [number, number];
  return {
    points: Array.from({ length: n }, (_, i): [number, number] => [rows[i * d + a]!, rows[i * d + b]!]),
    axes: [`dimension ${a}`, `dimension ${b}`],
    explained: [shares[a]!, shares[b]!],
  };
}

/**
 * Projects embeddings to 2-D with PCA and plots them coloured by class.
 * Call as `embedding(vectors, labels)` with a [n, d] tensor or number[][], or as
 * `embedding(graphModel, graph)` with a tensorcell GNN and a dataset graph
 * ({x, edgeIndex, y, classNames}): the model's last hidden representation
 * (the input of its classifier layer, e.g. gcn's 16 hidden units) is projected,
 * or `options.layer`'s output. With two or fewer dimensions, or when PC2 holds
 * no variance, the raw values are plotted and the caption says so.
 */
export function embedding(source: tf.Tensor | number[][] | tf.LayersModel, labelsOrGraph?: LabelsLike | GraphInput, options: EmbeddingOptions = {}) {
  let vectors: tf.Tensor;
  let labels: LabelsLike | undefined;
  let classNames = options.classNames;
  let from = "";
  if (isLayersModel(source)) {
    if (!isGraphInput(labelsOrGraph)) throw new Error("viz.embedding(model, graph) needs a graph with x and edgeIndex tensors (e.g. data.karateClub()).");
    if (graphModelKind(source) !== "node") {
      throw new Error(`viz.embedding(model, graph) needs a node classifier with inputs [x, edge_index] (gcn, gat, ...); ${source.name} has inputs [${source.inputNames.join(", ")}].`);
    }
    const graph = labelsOrGraph;
    checkGraphTensors(graph.x, graph.edgeIndex, "viz.embedding");
    checkFeatureWidth(source, graph.x.shape[1]!, "viz.embedding");
    const picked = embeddingTensor(source, options.layer);
    const outputModel = picked.tensor === source.outputs[0] ? source : tf.model({ inputs: source.inputs, outputs: picked.tensor });
    vectors = outputModel.apply([graph.x, graph.edgeIndex], { training: false }) as tf.Tensor;
    from = ` from ${picked.description}`;
    labels = graph.y;
    classNames ??= graph.classNames;
  } else {
    vectors = isTensor(source) ? source : tf.tensor2d(source);
    labels = labelsOrGraph as LabelsLike | undefined;
  }
  try {
    if (vectors.rank !== 2) throw new Error(`viz.embedding needs [n, d] vectors; got shape [${vectors.shape.join(",")}].`);
    const [n, d] = vectors.shape as [number, number];
    if (n === 0 || d === 0) throw new Error("viz.embedding got no vectors (an empty tensor).");
    const classes = labels === undefined ? undefined : readLabels(labels, "labels");
    if (classes && classes.length !== n) throw new Error(`viz.embedding: ${n} vectors but ${classes.length} labels.`);
    const values = vectors.dataSync() as Float32Array;
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const pca = d > 2 ? pca2(values, n, d) : undefined;
    const degenerate = !pca || pca.explained[1] < DEGENERATE_SHARE;
    let points: [number, number][];
    let explained: [number, number];
    let axes: [string, string];
    let text: string;
    const what = `Embedding of ${n} vectors of dimension ${d}${from}`;
    if (!degenerate) {
      ({ points, explained } = pca!);
      axes = [`PC1 (${pct(explained[0])} of variance)`, `PC2 (${pct(explained[1])} of variance)`];
      text = `${what}, PCA to 2-D (PC1 ${pct(explained[0])}, PC2 ${pct(explained[1])} of variance)`;
    } else {
      const raw = rawPlot(values, n, d);
      ({ points, explained, axes } = raw);
      const why = pca ? `PC2 holds ${pct(pca.explained[1])} of the variance, so no projection` : `${d} dimension${d > 1 ? "s" : ""}, so no projection`;
      text = `${what}: raw values plotted (${why}): ${axes[0]} against ${axes[1]}`;
    }
    const name = (c: number | string) => (typeof c === "number" && classNames?.[c] !== undefined ? classNames[c]! : String(c));
    const rows = points.map(([pc1, pc2], i) => ({ index: i, pc1, pc2, class: classes ? name(classes[i]!) : "all" }));
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      title: options.title ?? (degenerate ? { text: "Embedding (raw values)", subtitle: [`${d} dimension${d > 1 ? "s" : ""}${from}; no PCA`] } : "Embedding (PCA)"),
      width: 360,
      height: 300,
      data: { values: rows },
      mark: { type: "circle", size: 40, opacity: 0.8 },
      encoding: {
        x: { field: "pc1", type: "quantitative", title: axes[0] },
        y: { field: "pc2", type: "quantitative", title: axes[1] },
        color: { field: "class", type: "nominal" },
        tooltip: [{ field: "index" }, { field: "class" }],
      },
    };
    return new VizOutput(vegaLiteBundle(spec, text), { points, explained, projection: degenerate ? ("raw" as const) : ("pca" as const) });
  } finally {
    if (vectors !== source) vectors.dispose();
  }
}
