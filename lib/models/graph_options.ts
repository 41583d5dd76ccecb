/**
 * The option names PyTorch Geometric users type, and sizes taken from a
 * graph, translated to the library's own before `models.create` checks a
 * graph model's options.
 *
 * PyG name -> tensorcell option:
 *   in_channels      -> inputShape [in_channels]   (features per node)
 *   hidden_channels  -> hidden
 *   out_channels     -> numClasses
 *   num_layers       -> numLayers (gin_graph); the node classifiers are the
 *                       papers' two-layer setups, so they accept only 2
 * `graph` (a dataset graph such as data.karateClub(), a graph-classification
 * set such as data.syntheticShapeGraphs(), or a list of small graphs) gives
 * inputShape [numFeatures] and, unless numClasses is given, numClasses.
 */
import type { ModelOptions, ModelSpec } from "./registry.js";

/** PyG option name -> tensorcell option name. */
export const PYG_OPTION_ALIASES: Readonly<Record<string, string>> = {
  in_channels: "inputShape",
  hidden_channels: "hidden",
  out_channels: "numClasses",
  num_layers: "numLayers",
};

/** Anything the `graph` option accepts: it needs a feature width, and may carry the class count. */
export interface GraphShapeSource {
  /** Features per node (lib/data graphs and graph datasets have it). */
  numFeatures?: number;
  /** Classes (lib/data graphs and graph datasets have it). */
  numClasses?: number;
  /** Node features: a [numNodes, numFeatures] tensor gives the width when numFeatures is absent. */
  x?: unknown;
}

/** Depth of the two-layer node classifiers (gcn, gat, graphsage, gin, appnp, dagnn). */
const TWO_LAYERS = 2;

function describe(value: unknown): string {
  return Array.isArray(value) ? `[${value.join(", ")}]` : JSON.stringify(value) ?? String(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return describe(a) === describe(b);
}

/** Features per node and classes of a `graph` option value, or a one-line error. */
function graphShape(graph: unknown, where: string): { numFeatures: number; numClasses?: number } {
  const source = (Array.isArray(graph) ? graph[0] : graph) as GraphShapeSource | undefined;
  const shape = (source?.x as { shape?: unknown } | undefined)?.shape;
  const numFeatures = source?.numFeatures ?? (Array.isArray(shape) ? (shape[1] as number) : undefined);
  if (!Number.isInteger(numFeatures) || (numFeatures as number) < 1) {
    throw new Error(`${where}: option graph must be a graph with node features (e.g. data.karateClub()) or a graph dataset; got ${describe(graph)}.`);
  }
  let numClasses = Array.isArray(graph) ? undefined : source?.numClasses;
  if (Array.isArray(graph)) {
    // A list of small graphs: classes from the largest label.
    const labels = graph.map((g) => (g as { label?: number }).label).filter((l): l is number => Number.isInteger(l));
    if (labels.length) numClasses = Math.max(...labels) + 1;
  }
  return { numFeatures: numFeatures as number, numClasses };
}

/**
 * Returns `options` with PyG names and `graph` replaced by the library's
 * options, for a graph model's spec (image models get `options` back as they
 * are). Throws a one-line error when a PyG name and its tensorcell name
 * disagree, or when `graph` and `inputShape` give different feature widths.
 */
export function translateGraphOptions(spec: ModelSpec, options: ModelOptions | undefined): ModelOptions | undefined {
  if (spec.task === "image" || options === null || typeof options !== "object" || Array.isArray(options)) return options;
  const where = `models.create("${spec.name}")`;
  const out: ModelOptions = {};
  const set = (name: string, value: unknown, from: string) => {
    if (out[name] !== undefined && !sameValue(out[name], value)) {
      throw new Error(`${where}: ${from} gives ${name} ${describe(value)} but ${name} is ${describe(out[name])}; give one of them.`);
    }
    out[name] = value;
  };
  for (const [key, value] of Object.entries(options)) if (value !== undefined && !(key in PYG_OPTION_ALIASES) && key !== "graph") out[key] = value;
  for (const [alias, name] of Object.entries(PYG_OPTION_ALIASES)) {
    const value = options[alias];
    if (value === undefined) continue;
    if (alias === "in_channels") {
      if (!Number.isInteger(value) || (value as number) < 1) throw new Error(`${where}: in_channels must be a positive integer (features per node), got ${describe(value)}.`);
      set(name, [value], alias);
    } else if (alias === "num_layers" && !(spec.options ?? []).includes("numLayers")) {
      if (value !== TWO_LAYERS) {
        throw new Error(`${where}: ${spec.name} has the ${TWO_LAYERS} layers of its paper's setup, so num_layers must be ${TWO_LAYERS}; got ${describe(value)}.`);
      }
    } else {
      set(name, value, alias);
    }
  }
  if (options.graph !== undefined) {
    const { numFeatures, numClasses } = graphShape(options.graph, where);
    if (out.inputShape !== undefined && !sameValue(out.inputShape, [numFeatures])) {
      throw new Error(`${where}: inputShape ${describe(out.inputShape)} does not match the graph's ${numFeatures} features per node; leave inputShape out to take it from the graph.`);
    }
    out.inputShape = [numFeatures];
    if (out.numClasses === undefined && numClasses !== undefined) out.numClasses = numClasses;
  }
  return out;
}
