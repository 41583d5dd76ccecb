/**
 * Graph datasets, offline and seeded: Zachary's karate club, a Cora-sized
 * citation-like stochastic block model, and a small graph-classification set
 * (cycles, stars and trees); plus the helpers to build a graph from edges and
 * to pack small graphs into one batch.
 *
 * Layout (the one every GNN in lib/models expects; see lib/models/graph_inputs.ts):
 *  - x: node features [numNodes, numFeatures] float32
 *  - edgeIndex: [numEdges, 2] int32, one row (source, target) per directed
 *    edge; undirected graphs list both directions (PyG's edge_index, transposed)
 *  - y: node labels [numNodes] int32
 *  - trainMask / valMask / testMask: [numNodes] bool
 * Small graphs for graph classification are plain typed arrays
 * ({@link SmallGraph}), so hundreds of them hold no tensors until
 * {@link batchGraphs} packs some into one disjoint union.
 */
import * as tf from "@tensorflow/tfjs";
import { createRandom, randomInt, randomPermutation, type RandomSource } from "../repro/random.js";

/** A node-classification graph: features, edges, labels and split masks. Dispose with {@link disposeGraph}. */
export interface Graph {
  /** Dataset name. */
  name: string;
  /** Node features [numNodes, numFeatures] float32. */
  x: tf.Tensor2D;
  /** Directed edges [numEdges, 2] int32, rows (source, target); undirected edges appear in both directions. */
  edgeIndex: tf.Tensor2D;
  /** Node labels [numNodes] int32. */
  y: tf.Tensor1D;
  /** Nodes with labels used for training [numNodes] bool. */
  trainMask: tf.Tensor1D;
  /** Nodes for model selection [numNodes] bool. */
  valMask: tf.Tensor1D;
  /** Nodes for the final score [numNodes] bool. */
  testMask: tf.Tensor1D;
  /** Number of nodes. */
  numNodes: number;
  /** Number of directed edges (rows of edgeIndex). */
  numEdges: number;
  /** Features per node. */
  numFeatures: number;
  /** Number of classes. */
  numClasses: number;
  /** Name of each class. */
  classNames: string[];
}

/** Node lists (or per-node booleans) for {@link createGraph}'s splits. */
export type NodeSelection = number[] | boolean[];

/** Arguments of {@link createGraph}. */
export interface CreateGraphArgs {
  /** Node features, one row per node; default: one-hot node identity (numNodes features). */
  x?: number[][] | tf.Tensor2D;
  /** Edges as [source, target] pairs. */
  edges: [number, number][];
  /** Node labels (class ids from 0). */
  y: number[];
  /** Add the reverse of every edge (an undirected graph). Default true. */
  undirected?: boolean;
  /** Training nodes (indices or per-node booleans). Default none. */
  train?: NodeSelection;
  /** Validation nodes. Default none. */
  val?: NodeSelection;
  /** Test nodes. Default every node not in train or val. */
  test?: NodeSelection;
  /** Dataset name. Default "graph". */
  name?: string;
  /** Class names. Default "0", "1", ... */
  classNames?: string[];
}

function toMaskArray(selection: NodeSelection | undefined, numNodes: number, what: string): Uint8Array {
  const mask = new Uint8Array(numNodes);
  if (!selection) return mask;
  if (selection.length > 0 && typeof selection[0] === "boolean") {
    if (selection.length !== numNodes) throw new Error(`${what} has ${selection.length} booleans for ${numNodes} nodes; give one per node or a list of node indices.`);
    selection.forEach((on, i) => (mask[i] = on ? 1 : 0));
    return mask;
  }
  for (const node of selection as number[]) {
    if (!Number.isInteger(node) || node < 0 || node >= numNodes) throw new Error(`${what} lists node ${node}, but nodes are 0..${numNodes - 1}.`);
    mask[node] = 1;
  }
  return mask;
}

/**
 * Builds a {@link Graph} from plain arrays: an edge list, labels and optional
 * features and splits. Checks every index and says which one is wrong.
 */
export function createGraph(args: CreateGraphArgs): Graph {
  const numNodes = args.y.length;
  const undirected = args.undirected ?? true;
  const pairs: number[] = [];
  args.edges.forEach(([s, t], e) => {
    if (![s, t].every((n) => Number.isInteger(n) && n >= 0 && n < numNodes)) {
      throw new Error(`edges[${e}] is [${s}, ${t}] but there are ${numNodes} nodes (one label in y per node).`);
    }
    pairs.push(s, t);
    if (undirected && s !== t) pairs.push(t, s);
  });
  const numClasses = Math.max(...args.y) + 1;
  if (args.y.some((c) => !Number.isInteger(c) || c < 0)) throw new Error("y must hold class ids 0, 1, 2 ...");
  const x = args.x instanceof tf.Tensor ? args.x.clone() : args.x ? tf.tensor2d(args.x) : tf.eye(numNodes) as tf.Tensor2D;
  if (x.shape[0] !== numNodes) throw new Error(`x has ${x.shape[0]} rows but y labels ${numNodes} nodes; give one row per node.`);
  const train = toMaskArray(args.train, numNodes, "train");
  const val = toMaskArray(args.val, numNodes, "val");
  const test = args.test ? toMaskArray(args.test, numNodes, "test") : train.map((t, i) => (t || val[i] ? 0 : 1));
  return {
    name: args.name ?? "graph",
    x,
    edgeIndex: tf.tensor2d(Int32Array.from(pairs), [pairs.length / 2, 2], "int32"),
    y: tf.tensor1d(Int32Array.from(args.y), "int32"),
    trainMask: tf.tensor1d(train, "bool"),
    valMask: tf.tensor1d(val, "bool"),
    testMask: tf.tensor1d(test, "bool"),
    numNodes,
    numEdges: pairs.length / 2,
    numFeatures: x.shape[1],
    numClasses,
    classNames: args.classNames ?? Array.from({ length: numClasses }, (_, c) => String(c)),
  };
}

/** Frees every tensor of a graph. */
export function disposeGraph(graph: Graph): void {
  tf.dispose([graph.x, graph.edgeIndex, graph.y, graph.trainMask, graph.valMask, graph.testMask]);
}

/** Indices of the nodes selected by a mask (bool or 0/1 tensor, or booleans), as an Int32Array. */
export function maskIndices(mask: tf.Tensor | ArrayLike<boolean | number>): Int32Array {
  const values = mask instanceof tf.Tensor ? mask.dataSync() : mask;
  const picked: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i]) picked.push(i);
  return Int32Array.from(picked);
}

// Zachary (1977), as networkx.karate_club_graph() (78 undirected edges); node 0 is
// the instructor "Mr. Hi", node 33 the administrator ("Officer").
const KARATE_EDGES =
  "0-1 0-2 0-3 0-4 0-5 0-6 0-7 0-8 0-10 0-11 0-12 0-13 0-17 0-19 0-21 0-31 1-2 1-3 1-7 1-13 1-17 1-19 1-21 1-30 " +
  "2-3 2-7 2-8 2-9 2-13 2-27 2-28 2-32 3-7 3-12 3-13 4-6 4-10 5-6 5-10 5-16 6-16 8-30 8-32 8-33 9-33 13-33 14-32 " +
  "14-33 15-32 15-33 18-32 18-33 19-33 20-32 20-33 22-32 22-33 23-25 23-27 23-29 23-32 23-33 24-25 24-27 24-31 " +
  "25-31 26-29 26-33 27-33 28-31 28-33 29-32 29-33 30-32 30-33 31-32 31-33 32-33";
// networkx's "club" attribute: the members who sided with Mr. Hi after the split.
const KARATE_MR_HI = [0, 1, 2, 3, 4, 5, 6, 7, 8, 10, 11, 12, 13, 16, 17, 19, 21];

/** Options of {@link karateClub}. */
export interface KarateClubOptions {
  /**
   * Which members are labelled for training:
   *  - "leaders" (default): only the two leaders, node 0 (Mr. Hi) and node 33
   *    (the administrator), the classic semi-supervised setup (one label per
   *    faction, as in DGL's GCN tutorial); val is empty, test is the other 32.
   *  - "two-per-class": nodes 0, 1 (Mr. Hi) and 32, 33 (Officer); test the other 30.
   */
  split?: "leaders" | "two-per-class";
}

/**
 * Zachary's karate club: 34 members, 78 friendships (156 directed edges), two
 * classes, the faction each member joined when the club split
 * (0 = "Mr. Hi", 1 = "Officer", 17 members each). Features are the identity
 * (one-hot node id, 34 features), as in Kipf & Welling's karate demo.
 */
export function karateClub(options: KarateClubOptions = {}): Graph {
  const split = options.split ?? "leaders";
  const train = split === "leaders" ? [0, 33] : split === "two-per-class" ? [0, 1, 32, 33] : undefined;
  if (!train) throw new Error(`karateClub: split must be "leaders" or "two-per-class", got ${String(split)}.`);
  const edges = KARATE_EDGES.split(" ").map((pair) => pair.split("-").map(Number) as [number, number]);
  const y = Array.from({ length: 34 }, (_, node) => (KARATE_MR_HI.includes(node) ? 0 : 1));
  return createGraph({ name: "karate_club", edges, y, train, classNames: ["Mr. Hi", "Officer"] });
}

// Cora's class sizes (Planetoid), used when the synthetic graph has Cora's 7 classes.
const CORA_CLASS_SIZES = [351, 217, 418, 818, 426, 298, 180];

/** Options of {@link syntheticCitationGraph}; the defaults give Cora's sizes. */
export interface SyntheticCitationOptions {
  /** Seed of every random choice; the same seed gives the same graph. Default 0. */
  seed?: number;
  /** Nodes ("papers"). Default 2708. */
  numNodes?: number;
  /** Undirected edges ("citations"); edgeIndex holds twice as many rows. Default 5278. */
  numEdges?: number;
  /** Binary features ("words"). Default 1433. */
  numFeatures?: number;
  /** Classes ("topics"). Default 7 (sized as Cora's when there are 7). */
  numClasses?: number;
  /** Share of edges inside a class (Cora's edge homophily is about 0.81). Default 0.8. */
  homophily?: number;
  /** Words per node (Cora: about 18). Default 18. */
  wordsPerNode?: number;
  /** Share of a node's words drawn from its class's vocabulary, the rest uniform. Default 0.25 (GCN then scores about as on Cora). */
  featureSignal?: number;
  /** Labelled training nodes per class (Planetoid: 20). Default 20. */
  trainPerClass?: number;
  /** Validation nodes (Planetoid: 500). Default 500. */
  numVal?: number;
  /** Test nodes (Planetoid: 1000). Default 1000. */
  numTest?: number;
}

function classSizes(numNodes: number, numClasses: number): number[] {
  const shares = numClasses === CORA_CLASS_SIZES.length ? CORA_CLASS_SIZES : new Array<number>(numClasses).fill(1);
  const total = shares.reduce((a, b) => a + b, 0);
  // Largest remainder: floor each share, then give the leftover nodes to the largest fractions.
  const exact = shares.map((share) => (share / total) * numNodes);
  const sizes = exact.map(Math.floor);
  const byFraction = exact.map((v, c) => ({ c, fraction: v - Math.floor(v) })).sort((a, b) => b.fraction - a.fraction);
  for (let k = 0; sizes.reduce((a, b) => a + b, 0) < numNodes; k++) sizes[byFraction[k % numClasses].c]++;
  return sizes;
}

/**
 * A citation-like graph drawn from a stochastic block model, Cora-sized by
 * default (2,708 nodes, 5,278 undirected edges, 7 classes, 1,433 sparse
 * binary features), deterministic given `seed`. Every node gets at least one
 * edge; an edge joins two nodes of the same class with probability
 * `homophily`. Each class has its own vocabulary (numFeatures / numClasses
 * words); a node's words come from it with probability `featureSignal`, else
 * from all words, so features predict the class only in part and the graph
 * helps. Split as Planetoid: 20 training nodes per class, 500 val, 1000 test.
 */
export function syntheticCitationGraph(options: SyntheticCitationOptions = {}): Graph {
  const o = {
    seed: 0, numNodes: 2708, numEdges: 5278, numFeatures: 1433, numClasses: 7, homophily: 0.8,
    wordsPerNode: 18, featureSignal: 0.25, trainPerClass: 20, numVal: 500, numTest: 1000, ...options,
  };
  const { numNodes, numClasses, numFeatures } = o;
  if (!Number.isInteger(numClasses) || numClasses < 2) throw new Error(`syntheticCitationGraph: numClasses must be an integer >= 2, got ${numClasses}.`);
  if (o.numEdges < numNodes || o.numEdges > (numNodes * (numNodes - 1)) / 2 / 4) {
    throw new Error(`syntheticCitationGraph: numEdges must be between numNodes (${numNodes}) and a quarter of all node pairs, got ${o.numEdges}.`);
  }
  if (o.trainPerClass * numClasses + o.numVal + o.numTest > numNodes) {
    throw new Error(`syntheticCitationGraph: trainPerClass * numClasses + numVal + numTest must not exceed numNodes (${numNodes}).`);
  }
  const random = createRandom(o.seed);
  // Class of each node, in a shuffled order so classes are not contiguous.
  const labels = new Int32Array(numNodes);
  const sizes = classSizes(numNodes, numClasses);
  const order = randomPermutation(numNodes, random);
  const members: number[][] = sizes.map(() => []);
  let next = 0;
  sizes.forEach((size, c) => {
    for (let k = 0; k < size; k++, next++) {
      labels[order[next]] = c;
      members[c].push(order[next]);
    }
  });
  const partner = (u: number): number => {
    if (random() < o.homophily) return members[labels[u]][randomInt(random, members[labels[u]].length)];
    let v = randomInt(random, numNodes);
    while (labels[v] === labels[u]) v = randomInt(random, numNodes);
    return v;
  };
  const seen = new Set<number>();
  const pairs: number[] = [];
  const tryAdd = (u: number, v: number): boolean => {
    const key = Math.min(u, v) * numNodes + Math.max(u, v);
    if (u === v || seen.has(key)) return false;
    seen.add(key);
    pairs.push(u, v, v, u);
    return true;
  };
  // One edge per node first (retrying self loops and repeats), so no node is isolated.
  for (let u = 0; u < numNodes; u++) {
    let added = false;
    for (let attempt = 0; !added && attempt < 100; attempt++) added = tryAdd(u, partner(u));
    while (!added) added = tryAdd(u, randomInt(random, numNodes)); // a class too small to pair within
  }
  while (seen.size < o.numEdges) {
    const u = randomInt(random, numNodes);
    tryAdd(u, partner(u));
  }
  // Features: each class owns a slice of the vocabulary.
  const features = new Float32Array(numNodes * numFeatures);
  const vocabulary = Math.max(1, Math.floor(numFeatures / numClasses));
  for (let u = 0; u < numNodes; u++) {
    for (let w = 0; w < o.wordsPerNode; w++) {
      const word = random() < o.featureSignal ? labels[u] * vocabulary + randomInt(random, vocabulary) : randomInt(random, numFeatures);
      features[u * numFeatures + Math.min(word, numFeatures - 1)] = 1;
    }
  }
  // Planetoid split: the first trainPerClass of each class in a random order, then val, then test.
  const train = new Uint8Array(numNodes);
  const val = new Uint8Array(numNodes);
  const test = new Uint8Array(numNodes);
  const perClass = new Array<number>(numClasses).fill(0);
  const rest: number[] = [];
  for (const u of randomPermutation(numNodes, random)) {
    if (perClass[labels[u]] < o.trainPerClass) {
      perClass[labels[u]]++;
      train[u] = 1;
    } else rest.push(u);
  }
  rest.slice(0, o.numVal).forEach((u) => (val[u] = 1));
  rest.slice(o.numVal, o.numVal + o.numTest).forEach((u) => (test[u] = 1));
  return {
    name: "synthetic_citation",
    x: tf.tensor2d(features, [numNodes, numFeatures]),
    edgeIndex: tf.tensor2d(Int32Array.from(pairs), [pairs.length / 2, 2], "int32"),
    y: tf.tensor1d(labels, "int32"),
    trainMask: tf.tensor1d(train, "bool"),
    valMask: tf.tensor1d(val, "bool"),
    testMask: tf.tensor1d(test, "bool"),
    numNodes,
    numEdges: pairs.length / 2,
    numFeatures,
    numClasses,
    classNames: Array.from({ length: numClasses }, (_, c) => `topic_${c}`),
  };
}

/** One small graph of a graph-classification set, as typed arrays (no tensors). */
export interface SmallGraph {
  /** Number of nodes. */
  numNodes: number;
  /** Node features, row-major [numNodes, numFeatures]. */
  x: Float32Array;
  /** Features per node. */
  numFeatures: number;
  /** Directed edges as flattened (source, target) pairs; undirected edges appear in both directions. */
  edges: Int32Array;
  /** The graph's class. */
  label: number;
}

/** A graph-classification set with its train/val/test split. */
export interface GraphClassificationDataset {
  /** Dataset name. */
  name: string;
  /** Training graphs. */
  train: SmallGraph[];
  /** Validation graphs. */
  val: SmallGraph[];
  /** Test graphs. */
  test: SmallGraph[];
  /** Features per node. */
  numFeatures: number;
  /** Number of classes. */
  numClasses: number;
  /** Name of each class. */
  classNames: string[];
}

/** Options of {@link syntheticShapeGraphs}. */
export interface SyntheticShapeOptions {
  /** Seed; the same seed gives the same graphs. Default 0. */
  seed?: number;
  /** Number of graphs, split 80/10/10 into train/val/test. Default 300. */
  numGraphs?: number;
  /** Fewest nodes in a graph. Default 6. */
  minNodes?: number;
  /** Most nodes in a graph. Default 20. */
  maxNodes?: number;
}

const SHAPE_CLASSES = ["cycle", "star", "tree"];
/** Degree one-hot width: degrees 1..6, and 7 or more (7 features, as MUTAG, so gin_graph's default fits). */
const DEGREE_FEATURES = 7;

function shapeEdges(shape: number, numNodes: number, random: RandomSource): [number, number][] {
  const edges: [number, number][] = [];
  for (let node = 1; node < numNodes; node++) {
    if (shape === 0) edges.push([node - 1, node]);
    else if (shape === 1) edges.push([0, node]);
    else edges.push([randomInt(random, node), node]); // random recursive tree
  }
  if (shape === 0) edges.push([numNodes - 1, 0]);
  return edges;
}

/**
 * A seeded graph-classification set of three classes (0 cycle, 1 star,
 * 2 random tree), equally many of each, 6 to 20 nodes per graph. Node features
 * are the one-hot degree (1, 2, ..., 6, 7+): 7 features.
 */
export function syntheticShapeGraphs(options: SyntheticShapeOptions = {}): GraphClassificationDataset {
  const { seed = 0, numGraphs = 300, minNodes = 6, maxNodes = 20 } = options;
  if (!(Number.isInteger(minNodes) && minNodes >= 3 && maxNodes >= minNodes)) {
    throw new Error(`syntheticShapeGraphs: need 3 <= minNodes <= maxNodes, got ${minNodes} and ${maxNodes}.`);
  }
  const random = createRandom(seed);
  const graphs: SmallGraph[] = [];
  for (let g = 0; g < numGraphs; g++) {
    const label = g % SHAPE_CLASSES.length;
    const numNodes = minNodes + randomInt(random, maxNodes - minNodes + 1);
    const undirected = shapeEdges(label, numNodes, random);
    const edges = new Int32Array(undirected.length * 4);
    const degree = new Int32Array(numNodes);
    undirected.forEach(([s, t], e) => {
      edges.set([s, t, t, s], 4 * e);
      degree[s]++;
      degree[t]++;
    });
    const x = new Float32Array(numNodes * DEGREE_FEATURES);
    degree.forEach((d, node) => (x[node * DEGREE_FEATURES + Math.min(d, DEGREE_FEATURES) - 1] = 1));
    graphs.push({ numNodes, x, numFeatures: DEGREE_FEATURES, edges, label });
  }
  const order = randomPermutation(numGraphs, random);
  const pick = (from: number, to: number): SmallGraph[] => Array.from(order.slice(from, to), (i) => graphs[i]);
  const trainEnd = Math.round(numGraphs * 0.8);
  const valEnd = Math.round(numGraphs * 0.9);
  return {
    name: "synthetic_shapes",
    train: pick(0, trainEnd),
    val: pick(trainEnd, valEnd),
    test: pick(valEnd, numGraphs),
    numFeatures: DEGREE_FEATURES,
    numClasses: SHAPE_CLASSES.length,
    classNames: [...SHAPE_CLASSES],
  };
}

/** Several small graphs packed as one disjoint union (PyG's Batch). Dispose with {@link disposeGraphBatch}. */
export interface GraphBatch {
  /** Node features of all graphs [totalNodes, numFeatures]. */
  x: tf.Tensor2D;
  /** Edges of all graphs [totalEdges, 2] int32, node indices offset per graph. */
  edgeIndex: tf.Tensor2D;
  /** Graph id of each node [totalNodes] int32 (0 for the first graph ...). */
  batch: tf.Tensor1D;
  /** Label of each graph [numGraphs] int32. */
  y: tf.Tensor1D;
  /** Number of graphs. */
  numGraphs: number;
}

/** Packs small graphs into one {@link GraphBatch}: nodes concatenated, edge indices shifted, a graph id per node. */
export function batchGraphs(graphs: SmallGraph[]): GraphBatch {
  if (graphs.length === 0) throw new Error("batchGraphs needs at least one graph.");
  const numFeatures = graphs[0].numFeatures;
  const totalNodes = graphs.reduce((n, g) => n + g.numNodes, 0);
  const totalEdgeValues = graphs.reduce((n, g) => n + g.edges.length, 0);
  const x = new Float32Array(totalNodes * numFeatures);
  const edges = new Int32Array(totalEdgeValues);
  const batch = new Int32Array(totalNodes);
  let nodeOffset = 0;
  let edgeOffset = 0;
  graphs.forEach((g, id) => {
    if (g.numFeatures !== numFeatures) throw new Error(`batchGraphs: graph ${id} has ${g.numFeatures} features, graph 0 has ${numFeatures}.`);
    x.set(g.x, nodeOffset * numFeatures);
    for (let k = 0; k < g.edges.length; k++) edges[edgeOffset + k] = g.edges[k] + nodeOffset;
    batch.fill(id, nodeOffset, nodeOffset + g.numNodes);
    nodeOffset += g.numNodes;
    edgeOffset += g.edges.length;
  });
  return {
    x: tf.tensor2d(x, [totalNodes, numFeatures]),
    edgeIndex: tf.tensor2d(edges, [edges.length / 2, 2], "int32"),
    batch: tf.tensor1d(batch, "int32"),
    y: tf.tensor1d(Int32Array.from(graphs, (g) => g.label), "int32"),
    numGraphs: graphs.length,
  };
}

/** Frees every tensor of a graph batch. */
export function disposeGraphBatch(batch: GraphBatch): void {
  tf.dispose([batch.x, batch.edgeIndex, batch.batch, batch.y]);
}
