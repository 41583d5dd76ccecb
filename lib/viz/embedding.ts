/** 2-D PCA projection of embeddings (or a graph model's node outputs), coloured by class, as Vega-Lite. */
import * as tf from "@tensorflow/tfjs";
import { vegaLiteBundle } from "../display/vegalite.js";
import { isLayersModel } from "../display/model-summary.js";
import { isTensor } from "../display/tensor-repr.js";
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
  /** With a model: the layer whose output to project (default: the model's output). */
  layer?: string;
}

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

/**
 * Projects embeddings to 2-D with PCA and plots them coloured by class.
 * Call as `embedding(vectors, labels)` with a [n, d] tensor or number[][], or as
 * `embedding(graphModel, graph)` with a tensorcell GNN and a dataset graph
 * ({x, edgeIndex, y, classNames}): the model's node outputs (or `layer`'s) are projected.
 */
export function embedding(source: tf.Tensor | number[][] | tf.LayersModel, labelsOrGraph?: LabelsLike | GraphInput, options: EmbeddingOptions = {}) {
  let vectors: tf.Tensor;
  let labels: LabelsLike | undefined;
  let classNames = options.classNames;
  if (isLayersModel(source)) {
    if (!isGraphInput(labelsOrGraph)) throw new Error("viz.embedding(model, graph) needs a graph with x and edgeIndex tensors (e.g. data.karateClub()).");
    const graph = labelsOrGraph;
    const outputModel = options.layer ? tf.model({ inputs: source.inputs, outputs: findLayer(source, options.layer).output as tf.SymbolicTensor }) : source;
    vectors = outputModel.apply([graph.x, graph.edgeIndex], { training: false }) as tf.Tensor;
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
    const { points, explained } = pca2(vectors.dataSync() as Float32Array, n, d);
    const name = (c: number | string) => (typeof c === "number" && classNames?.[c] !== undefined ? classNames[c]! : String(c));
    const rows = points.map(([pc1, pc2], i) => ({ index: i, pc1, pc2, class: classes ? name(classes[i]!) : "all" }));
    const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      title: options.title ?? "Embedding (PCA)",
      width: 360,
      height: 300,
      data: { values: rows },
      mark: { type: "circle", size: 40, opacity: 0.8 },
      encoding: {
        x: { field: "pc1", type: "quantitative", title: `PC1 (${pct(explained[0])} of variance)` },
        y: { field: "pc2", type: "quantitative", title: `PC2 (${pct(explained[1])} of variance)` },
        color: { field: "class", type: "nominal" },
        tooltip: [{ field: "index" }, { field: "class" }],
      },
    };
    const text = `Embedding of ${n} vectors of dimension ${d}, PCA to 2-D (PC1 ${pct(explained[0])}, PC2 ${pct(explained[1])} of variance)`;
    return new VizOutput(vegaLiteBundle(spec, text), { points, explained });
  } finally {
    if (vectors !== source) vectors.dispose();
  }
}
