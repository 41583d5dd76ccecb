/**
 * Propagation-only layers on the MessagePassing base: they smooth node
 * predictions over the graph with GCN's normalised adjacency
 * Â = D^-1/2 (A + I) D^-1/2 instead of transforming features.
 *  - APPNP (Gasteiger et al. 2019, "Predict then Propagate"; PyG's APPNP):
 *    K steps of personalised PageRank, H ← (1 − α) Â H + α H⁰. No weights.
 *  - DAGNNPropagation (Liu et al. 2020, "Towards Deeper Graph Neural
 *    Networks", the Prop module of the authors' code): H_k = Â^k H for
 *    k = 0..K, then adaptive retention scores s_k = sigmoid(H_k w + b) and
 *    output Σ_k s_k H_k. Weights: kernel [C, 1], bias [1].
 */
import * as tf from "@tensorflow/tfjs";
import { GRAPH_LAYER_PACKAGE, gcnNormalize, readEdgeIndex } from "./graph_edges.js";
import {
  featureSize,
  type GraphLayerBaseArgs,
  graphLayerInputs,
  MessagePassing,
  nodeFeatureShape,
} from "./message_passing.js";

function checkSteps(steps: unknown, layerName: string): number {
  if (!Number.isInteger(steps) || (steps as number) < 1) {
    throw new Error(`${layerName}: K (propagation steps) must be a positive integer, got ${String(steps)}.`);
  }
  return steps as number;
}

/** Arguments of {@link APPNP}. */
export interface APPNPArgs extends GraphLayerBaseArgs {
  /** Propagation steps. Default 10. */
  K?: number;
  /** Teleport (restart) probability α. Default 0.1. */
  alpha?: number;
}

/** APPNP propagation: K steps of H ← (1 − α) Â H + α H⁰; output has the input's shape. No weights. */
export class APPNP extends MessagePassing {
  /** Serialization name. */
  static className = "APPNP";
  /** Propagation steps. */
  readonly K: number;
  /** Teleport probability. */
  readonly alpha: number;

  constructor(args: APPNPArgs = {}) {
    super({ ...args, aggr: "sum" });
    this.K = checkSteps(args.K ?? 10, this.name);
    this.alpha = args.alpha ?? 0.1;
    if (!(this.alpha >= 0 && this.alpha <= 1)) throw new Error(`${this.name}: alpha must be in [0, 1], got ${String(args.alpha)}.`);
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return nodeFeatureShape(inputShape, this.name);
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const { x, edgeIndex } = graphLayerInputs(inputs, this.name);
      const edges = gcnNormalize(readEdgeIndex(edgeIndex, x.shape[0]));
      let h = x;
      for (let step = 0; step < this.K; step++) {
        h = tf.add(tf.mul(this.propagate(h, edges), 1 - this.alpha), tf.mul(x, this.alpha));
      }
      return h;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), K: this.K, alpha: this.alpha };
  }
}

/** Arguments of {@link DAGNNPropagation}. */
export interface DAGNNPropagationArgs extends GraphLayerBaseArgs {
  /** Propagation steps (the receptive field). Default 10. */
  K?: number;
}

/** DAGNN's adaptive propagation: Σ_k sigmoid(Â^k H w + b) · Â^k H over k = 0..K. */
export class DAGNNPropagation extends MessagePassing {
  /** Serialization name. */
  static className = "DAGNNPropagation";
  /** Propagation steps. */
  readonly K: number;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: DAGNNPropagationArgs = {}) {
    super({ ...args, aggr: "sum" });
    this.K = checkSteps(args.K ?? 10, this.name);
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const channels = featureSize(nodeFeatureShape(inputShape, this.name), this.name);
    this.kernel = this.addWeight("kernel", [channels, 1], "float32", tf.initializers.glorotUniform({}));
    this.bias = this.addWeight("bias", [1], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return nodeFeatureShape(inputShape, this.name);
  }

  /** The stacked representations [N, K + 1, C] and their retention scores [N, K + 1, 1]. */
  private scored(inputs: tf.Tensor | tf.Tensor[]): { stacked: tf.Tensor3D; scores: tf.Tensor3D } {
    const { x, edgeIndex } = graphLayerInputs(inputs, this.name);
    const edges = gcnNormalize(readEdgeIndex(edgeIndex, x.shape[0]));
    const hops: tf.Tensor[] = [x];
    for (let step = 0; step < this.K; step++) hops.push(this.propagate(hops[step], edges));
    const stacked = tf.stack(hops, 1) as tf.Tensor3D;
    const [numNodes, depth, channels] = stacked.shape;
    const logits = tf.add(tf.matMul(stacked.reshape([numNodes * depth, channels]), this.kernel!.read() as tf.Tensor2D), this.bias!.read());
    return { stacked, scores: tf.sigmoid(logits).reshape([numNodes, depth, 1]) };
  }

  /** Retention scores [numNodes, K + 1] for inputs [x, edgeIndex]: how much each node keeps of each hop. */
  retentionScores(inputs: tf.Tensor[]): tf.Tensor2D {
    return tf.tidy(() => {
      const { scores } = this.scored(inputs);
      return scores.reshape([scores.shape[0], scores.shape[1]]) as tf.Tensor2D;
    });
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const { stacked, scores } = this.scored(inputs);
      return tf.sum(tf.mul(stacked, scores), 1);
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), K: this.K };
  }
}

tf.serialization.registerClass(APPNP, GRAPH_LAYER_PACKAGE);
tf.serialization.registerClass(DAGNNPropagation, GRAPH_LAYER_PACKAGE);
