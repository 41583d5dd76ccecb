/** Node-link drawing of a small graph (force-directed layout computed here) as Vega-Lite. */
import type * as tf from "@tensorflow/tfjs";
import { vegaLiteBundle } from "../display/vegalite.js";
import { isTensor } from "../display/tensor-repr.js";
import { readLabels, type LabelsLike } from "./labels.js";
import { VizOutput } from "./output.js";

/** A graph to draw: edges as [n,2] tensor (tensorcell datasets), [source,target] pairs or flat pairs. */
export interface DrawableGraph {
  edgeIndex?: tf.Tensor | number[][];
  /** Flattened (source, target) pairs, as in SmallGraph.edges. */
  edges?: ArrayLike<number> | number[][];
  numNodes?: number;
  /** Node classes (colours). */
  y?: LabelsLike;
  labels?: LabelsLike;
  label?: number;
  classNames?: string[];
}

/** Graphs above this many nodes are refused (the layout is quadratic). */
const MAX_NODES = 2000;

function edgePairs(graph: DrawableGraph): [number, number][] {
  const source = graph.edgeIndex ?? graph.edges;
  if (source === undefined) throw new Error("viz.graph needs edges: a graph with edgeIndex ([numEdges, 2]) or edges.");
  if (isTensor(source)) {
    if (source.rank !== 2 || source.shape[1] !== 2) throw new Error(`viz.graph: edgeIndex must have shape [numEdges, 2]; got [${source.shape.join(",")}].`);
    return source.arraySync() as [number, number][];
  }
  if (Array.isArray(source) && Array.isArray(source[0])) return (source as number[][]).map(([a, b]) => [a!, b!]);
  const flat = Array.from(source as ArrayLike<number>);
  return Array.from({ length: Math.floor(flat.length / 2) }, (_, i) => [flat[2 * i]!, flat[2 * i + 1]!]);
}

/** Fruchterman-Reingold layout from a deterministic circle start. */
function layout(n: number, edges: [number, number][], iterations = 150): [number, number][] {
  const pos = Array.from({ length: n }, (_, i): [number, number] => [Math.cos((2 * Math.PI * i) / n), Math.sin((2 * Math.PI * i) / n)]);
  const k = Math.sqrt(4 / Math.max(n, 1));
  for (let iter = 0; iter < iterations; iter++) {
    const temperature = 0.1 * (1 - iter / iterations) + 0.005;
    const shift = pos.map((): [number, number] => [0, 0]);
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const dx = pos[a]![0] - pos[b]![0];
        const dy = pos[a]![1] - pos[b]![1];
        const dist = Math.max(Math.hypot(dx, dy), 1e-4);
        const force = (k * k) / dist;
        shift[a]![0] += (dx / dist) * force; shift[a]![1] += (dy / dist) * force;
        shift[b]![0] -= (dx / dist) * force; shift[b]![1] -= (dy / dist) * force;
      }
    }
    for (const [a, b] of edges) {
      if (a === b) continue;
      const dx = pos[a]![0] - pos[b]![0];
      const dy = pos[a]![1] - pos[b]![1];
      const dist = Math.max(Math.hypot(dx, dy), 1e-4);
      const force = (dist * dist) / k;
      shift[a]![0] -= (dx / dist) * force; shift[a]![1] -= (dy / dist) * force;
      shift[b]![0] += (dx / dist) * force; shift[b]![1] += (dy / dist) * force;
    }
    for (let a = 0; a < n; a++) {
      const length = Math.max(Math.hypot(shift[a]![0], shift[a]![1]), 1e-9);
      const step = Math.min(length, temperature);
      pos[a]![0] += (shift[a]![0] / length) * step;
      pos[a]![1] += (shift[a]![1] / length) * step;
    }
  }
  return pos;
}

/** Draws a small graph: nodes coloured by class (y / labels), edges as lines; undirected duplicates drawn once. */
export function graph(input: DrawableGraph) {
  const pairs = edgePairs(input);
  const maxIndex = pairs.reduce((m, [a, b]) => Math.max(m, a, b), -1);
  const n = input.numNodes ?? maxIndex + 1;
  if (maxIndex >= n) throw new Error(`viz.graph: an edge refers to node ${maxIndex} but the graph has ${n} nodes.`);
  if (n > MAX_NODES) throw new Error(`viz.graph draws up to ${MAX_NODES} nodes; this graph has ${n}. Draw a subgraph (e.g. a node's k-hop neighbourhood).`);
  const seen = new Set<string>();
  const unique = pairs.filter(([a, b]) => {
    const key = a < b ? `${a},${b}` : `${b},${a}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const positions = layout(n, unique);
  const rawLabels = input.y ?? input.labels;
  const classes = rawLabels === undefined ? undefined : readLabels(rawLabels, "node labels");
  const name = (c: number | string) => (typeof c === "number" && input.classNames?.[c] !== undefined ? input.classNames[c]! : String(c));
  const nodes = positions.map(([x, y], i) => ({ node: i, x, y, class: classes ? name(classes[i]!) : "node" }));
  const links = unique.map(([a, b]) => ({ x: positions[a]![0], y: positions[a]![1], x2: positions[b]![0], y2: positions[b]![1] }));
  const axisless = { axis: null, scale: { zero: false } };
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `Graph: ${n} nodes, ${unique.length} edges`,
    width: 380,
    height: 380,
    layer: [
      {
        data: { values: links },
        mark: { type: "rule", color: "#999", opacity: 0.6 },
        encoding: { x: { field: "x", type: "quantitative", ...axisless }, y: { field: "y", type: "quantitative", ...axisless }, x2: { field: "x2" }, y2: { field: "y2" } },
      },
      {
        data: { values: nodes },
        mark: { type: "circle", size: 80, opacity: 1, stroke: "white", strokeWidth: 1 },
        encoding: {
          x: { field: "x", type: "quantitative", ...axisless },
          y: { field: "y", type: "quantitative", ...axisless },
          color: { field: "class", type: "nominal" },
          tooltip: [{ field: "node" }, { field: "class" }],
        },
      },
    ],
    config: { view: { stroke: null } },
  };
  return new VizOutput(vegaLiteBundle(spec, `Graph with ${n} nodes and ${unique.length} undirected edges`), { positions, edges: unique });
}
