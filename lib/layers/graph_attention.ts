/**
 * GATConv (Veličković et al. 2018, "Graph Attention Networks"; PyG's GATConv)
 * on the MessagePassing base: multi-head attention over each node's incoming
 * edges (self loops included), scores LeakyReLU(a_src · W x_j + a_dst · W x_i)
 * with slope 0.2, normalised by a softmax over the edges that end at the
 * same node.
 */
import * as tf from "@tensorflow/tfjs";
import { addSelfLoops, GRAPH_LAYER_PACKAGE, readEdgeIndex } from "./graph_edges.js";
import { gatherRows, segmentSoftmax } from "./graph_segment.js";
import {
  featureSize,
  type GraphLayerBaseArgs,
  graphLayerInputs,
  MessagePassing,
  type MessageContext,
  nodeFeatureShape,
} from "./message_passing.js";

/** Arguments of {@link GATConv}. */
export interface GATConvArgs extends GraphLayerBaseArgs {
  /** Output features per head. */
  units: number;
  /** Number of attention heads. Default 1. */
  heads?: number;
  /** Concatenate the heads (output heads·units) rather than average them (output units). Default true. */
  concat?: boolean;
  /** Slope of the LeakyReLU on attention scores. Default 0.2. */
  negativeSlope?: number;
  /** Dropout rate on the attention coefficients during training. Default 0. */
  attentionDropout?: number;
  /** Add a self loop to every node, so a node attends to itself. Default true. */
  addSelfLoops?: boolean;
  /** Add a learned bias. Default true. */
  useBias?: boolean;
}

/**
 * Multi-head graph attention. Weights (PyG's layout): kernel [F, heads·units]
 * (no bias, Glorot), attentionSource and attentionTarget [heads, units]
 * (Glorot), bias [heads·units] when concat, else [units].
 *
 * `attentionCoefficients([x, edgeIndex])` returns the softmax weights per
 * edge and head, for explanations.
 */
export class GATConv extends MessagePassing {
  /** Serialization name. */
  static className = "GATConv";
  /** Output features per head. */
  readonly units: number;
  /** Number of attention heads. */
  readonly heads: number;
  /** Whether heads are concatenated (else averaged). */
  readonly concat: boolean;
  /** LeakyReLU slope on the scores. */
  readonly negativeSlope: number;
  /** Dropout rate on attention coefficients while training. */
  readonly attentionDropout: number;
  /** Whether self loops are added. */
  readonly addSelfLoops: boolean;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  private kernel?: tf.LayerVariable;
  private attentionSource?: tf.LayerVariable;
  private attentionTarget?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: GATConvArgs) {
    super({ ...args, aggr: "sum" });
    this.units = args.units;
    this.heads = args.heads ?? 1;
    for (const [option, value] of [["units", this.units], ["heads", this.heads]] as const) {
      if (!Number.isInteger(value) || value < 1) {
        throw new Error(`${this.name}: ${option} must be a positive integer, got ${String(value)}.`);
      }
    }
    this.concat = args.concat ?? true;
    this.negativeSlope = args.negativeSlope ?? 0.2;
    this.attentionDropout = args.attentionDropout ?? 0;
    if (!(this.attentionDropout >= 0 && this.attentionDropout < 1)) {
      throw new Error(`${this.name}: attentionDropout must be in [0, 1), got ${String(args.attentionDropout)}.`);
    }
    this.addSelfLoops = args.addSelfLoops ?? true;
    this.useBias = args.useBias ?? true;
  }

  /** Output features per node: heads·units when concatenating, else units. */
  get outputSize(): number {
    return this.concat ? this.heads * this.units : this.units;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const inFeatures = featureSize(nodeFeatureShape(inputShape, this.name), this.name);
    const glorot = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({});
    this.kernel = this.addWeight("kernel", [inFeatures, this.heads * this.units], "float32", glorot());
    this.attentionSource = this.addWeight("attentionSource", [this.heads, this.units], "float32", glorot());
    this.attentionTarget = this.addWeight("attentionTarget", [this.heads, this.units], "float32", glorot());
    if (this.useBias) this.bias = this.addWeight("bias", [this.outputSize], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [nodeFeatureShape(inputShape, this.name)[0], this.outputSize];
  }

  /** Projected features [N, heads, units], the edges used, and the attention weights [E, heads]. */
  private attend(inputs: tf.Tensor | tf.Tensor[], training: boolean) {
    const { x, edgeIndex } = graphLayerInputs(inputs, this.name);
    const numNodes = x.shape[0];
    const raw = readEdgeIndex(edgeIndex, numNodes);
    const edges = this.addSelfLoops ? addSelfLoops(raw) : raw;
    // Self loops carry weight 1 only for GCN; attention replaces edge weights here.
    delete edges.weight;
    const projected = tf.matMul(x as tf.Tensor2D, this.kernel!.read() as tf.Tensor2D).reshape([numNodes, this.heads, this.units]);
    const scoreSource = tf.sum(tf.mul(projected, this.attentionSource!.read()), -1) as tf.Tensor2D;
    const scoreTarget = tf.sum(tf.mul(projected, this.attentionTarget!.read()), -1) as tf.Tensor2D;
    const pairScores = tf.add(gatherRows(scoreSource, edges.source), gatherRows(scoreTarget, edges.target));
    const scores = tf.leakyRelu(pairScores, this.negativeSlope);
    let attention: tf.Tensor2D = segmentSoftmax(scores as tf.Tensor2D, edges.target, numNodes);
    if (training && this.attentionDropout > 0) attention = tf.dropout(attention, this.attentionDropout) as tf.Tensor2D;
    return { projected, edges, attention };
  }

  /** Softmax attention weights [numEdges (+ self loops), heads] for inputs [x, edgeIndex], in inference mode. */
  attentionCoefficients(inputs: tf.Tensor[]): tf.Tensor2D {
    return tf.tidy(() => this.attend(inputs, false).attention);
  }

  override message(sourceValues: tf.Tensor, context: MessageContext): tf.Tensor {
    // sourceValues [E, heads, units] times attention [E, heads, 1].
    return tf.mul(sourceValues, context.edgeValues["attention"].expandDims(-1));
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    return tf.tidy(() => {
      const training = kwargs["training"] === true;
      const { projected, edges, attention } = this.attend(inputs, training);
      let out = this.propagate(projected, edges, { training, edgeValues: { attention } });
      out = this.concat ? out.reshape([out.shape[0], this.heads * this.units]) : tf.mean(out, 1);
      return this.bias ? tf.add(out, this.bias.read()) : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const { aggr: _aggr, ...base } = super.getConfig();
    return {
      ...base,
      units: this.units,
      heads: this.heads,
      concat: this.concat,
      negativeSlope: this.negativeSlope,
      attentionDropout: this.attentionDropout,
      addSelfLoops: this.addSelfLoops,
      useBias: this.useBias,
    };
  }
}

tf.serialization.registerClass(GATConv, GRAPH_LAYER_PACKAGE);
