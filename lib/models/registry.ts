/**
 * The model registry: one table of named architectures, filled by the family
 * files (resnet.ts, vit.ts, gcn.ts ...), read by `models.list/create/info`.
 * Modelled on timm's registry: a name maps to a builder plus its metadata.
 */
import type * as tf from "@tensorflow/tfjs";
import type { GraphShapeSource } from "./graph_options.js";

/** What a model consumes: images (NHWC), node features plus edges, or whole graphs. */
export type ModelTask = "image" | "node" | "graph";

/** Options every builder accepts; families add their own (documented on each family's options type). */
export interface ModelOptions {
  /** Number of output classes (the size of the classifier head). */
  numClasses?: number;
  /** Input shape without the batch dimension, e.g. [32, 32, 3] for images or [numFeatures] for graphs. */
  inputShape?: number[];
  /** Graph models: a graph (data.karateClub()), graph dataset or list of small graphs giving inputShape [numFeatures] and numClasses. */
  graph?: GraphShapeSource | GraphShapeSource[];
  /** Graph models, PyTorch Geometric's name for inputShape [in_channels] (features per node). */
  in_channels?: number;
  /** Graph models, PyTorch Geometric's name for `hidden` (hidden width). */
  hidden_channels?: number;
  /** Graph models, PyTorch Geometric's name for numClasses. */
  out_channels?: number;
  /** Graph models, PyTorch Geometric's name for `numLayers` (gin_graph); the two-layer node classifiers accept 2. */
  num_layers?: number;
  /** Family-specific options. */
  [option: string]: unknown;
}

/** A registered architecture: how to build it and what it is. */
export interface ModelSpec {
  /** Registry name, following timm / PyG naming (e.g. "resnet18", "vit_tiny_patch16_224", "gcn"). */
  name: string;
  /** Family name, the file it lives in (e.g. "resnet", "vit", "gcn"). */
  family: string;
  /** The paper (or reference implementation) the architecture follows. */
  paper: string;
  /** What the model consumes. */
  task: ModelTask;
  /** Default options (input shape, classes and family-specific settings) when the caller gives none. */
  defaults: ModelOptions & { inputShape: number[]; numClasses: number };
  /** Option names the builder understands beyond numClasses/inputShape; anything else is rejected. */
  options?: string[];
  /** Trainable parameters of the reference implementation for the default config, when known. */
  referenceParams?: number;
  /**
   * Image models: the smallest height/width the architecture accepts (its total
   * downsampling); `models.create` rejects smaller inputs with a one-line error.
   */
  minInputSize?: number;
  /**
   * Extra validation of family-specific options (already defaulted); throw an
   * Error whose one-line message says what was expected.
   */
  checkOptions?(options: ModelOptions & { inputShape: number[]; numClasses: number }): void;
  /** Builds a fresh model with the given (already defaulted and validated) options. */
  build(options: ModelOptions & { inputShape: number[]; numClasses: number }): tf.LayersModel;
}

const registry = new Map<string, ModelSpec>();

/** Adds an architecture to the registry; family files call this once per named variant. */
export function registerModel(spec: ModelSpec): void {
  if (registry.has(spec.name)) throw new Error(`model "${spec.name}" is registered twice`);
  registry.set(spec.name, spec);
}

/** Looks a spec up by name, or throws an error that suggests the closest names. */
export function getModelSpec(name: string): ModelSpec {
  const spec = registry.get(name);
  if (spec) return spec;
  const close = closestNames(name, [...registry.keys()]);
  const hint = close.length ? ` Did you mean ${close.map((n) => `"${n}"`).join(", ")}?` : "";
  throw new Error(`Unknown model "${name}".${hint} models.list() shows every name.`);
}

/** All registered specs, in registration order. */
export function allModelSpecs(): ModelSpec[] {
  return [...registry.values()];
}

/** Names that are within a small edit distance of `name`, or share its prefix; best first. */
export function closestNames(name: string, candidates: string[], limit = 3): string[] {
  const scored = candidates
    .map((c) => ({ c, d: c.startsWith(name) || name.startsWith(c) ? 0.5 : editDistance(name, c) }))
    .filter(({ d }) => d <= Math.max(2, Math.floor(name.length / 3)))
    .sort((a, b) => a.d - b.d);
  return scored.slice(0, limit).map(({ c }) => c);
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length];
}
