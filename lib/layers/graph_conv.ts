/**
 * Graph convolutions on the MessagePassing base, each following PyTorch
 * Geometric's layer of the same name (same weights, same defaults):
 * GCNConv (Kipf & Welling 2017), SAGEConv (Hamilton et al. 2017) and
 * GINConv (Xu et al. 2019). Inputs are [x [numNodes, F], edgeIndex [numEdges, 2] int32].
 */
import * as tf from "@tensorflow/tfjs";
import { addSelfLoops, GRAPH_LAYER_PACKAGE, gcnNormalize, readEdgeIndex } from "./graph_edges.js";
import type { Aggregation } from "./graph_segment.js";
import {
  featureSize,
  type GraphLayerBaseArgs,
  graphLayerInputs,
  MessagePassing,
  nodeFeatureShape,
} from "./message_passing.js";

/** Keyword arguments tfjs-layers passes to `call` (training flag, masks). */
type CallKwargs = Record<string, unknown>;

function checkUnits(units: unknown, layerName: string): number {
  if (!Number.isInteger(units) || (units as number) < 1) {
    throw new Error(`${layerName}: units must be a positive integer (the output feature size), got ${String(units)}.`);
  }
  return units as number;
}

/** Arguments of {@link GCNConv}. */
export interface GCNConvArgs extends GraphLayerBaseArgs {
  /** Output features per node. */
  units: number;
  /** Add a learned bias after aggregation. Default true. */
  useBias?: boolean;
  /** Add a self loop to every node before normalising (the "+ I" of A + I). Default true. */
  addSelfLoops?: boolean;
  /** Apply the symmetric normalisation D^-1/2 (A + I) D^-1/2. Default true. */
  normalize?: boolean;
}

/**
 * GCNConv (Kipf & Welling 2017, PyG's GCNConv):
 * X' = D^-1/2 (A + I) D^-1/2 X W + b. Weights: kernel [F, units] (Glorot),
 * bias [units] (zeros).
 */
export class GCNConv extends MessagePassing {
  /** Serialization name. */
  static className = "GCNConv";
  /** Output features per node. */
  readonly units: number;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** Whether self loops are added. */
  readonly addSelfLoops: boolean;
  /** Whether the symmetric normalisation is applied. */
  readonly normalize: boolean;
  private kernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;

  constructor(args: GCNConvArgs) {
    super({ ...args, aggr: "sum" });
    this.units = checkUnits(args.units, this.name);
    this.useBias = args.useBias ?? true;
    this.addSelfLoops = args.addSelfLoops ?? true;
    this.normalize = args.normalize ?? true;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const inFeatures = featureSize(nodeFeatureShape(inputShape, this.name), this.name);
    this.kernel = this.addWeight("kernel", [inFeatures, this.units], "float32", tf.initializers.glorotUniform({}));
    if (this.useBias) this.bias = this.addWeight("bias", [this.units], "float32", tf.initializers.zeros());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [nodeFeatureShape(inputShape, this.name)[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const { x, edgeIndex } = graphLayerInputs(inputs, this.name);
      const raw = readEdgeIndex(edgeIndex, x.shape[0]);
      const edges = this.normalize ? gcnNormalize(raw, this.addSelfLoops) : this.addSelfLoops ? addSelfLoops(raw) : raw;
      const projected = tf.matMul(x as tf.Tensor2D, this.kernel!.read() as tf.Tensor2D);
      const out = this.propagate(projected, edges);
      return this.bias ? tf.add(out, this.bias.read()) : out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      useBias: this.useBias,
      addSelfLoops: this.addSelfLoops,
      normalize: this.normalize,
    };
  }
}

/** Arguments of {@link SAGEConv}. */
export interface SAGEConvArgs extends GraphLayerBaseArgs {
  /** Output features per node. */
  units: number;
  /** Neighbour aggregation. Default "mean" (GraphSAGE-mean). */
  aggr?: Aggregation;
  /** Add the root node's own projection x_i W_root. Default true. */
  rootWeight?: boolean;
  /** Bias on the neighbour projection. Default true. */
  useBias?: boolean;
  /** L2-normalise each output row. Default false. */
  normalize?: boolean;
}

/**
 * SAGEConv (Hamilton et al. 2017, PyG's SAGEConv):
 * x'_i = W_neigh · aggr_{j in N(i)} x_j + b + W_root · x_i.
 * Weights: neighborKernel [F, units], bias [units], rootKernel [F, units]
 * (PyG's lin_l with bias, lin_r without).
 */
export class SAGEConv extends MessagePassing {
  /** Serialization name. */
  static className = "SAGEConv";
  /** Output features per node. */
  readonly units: number;
  /** Whether the root projection is added. */
  readonly rootWeight: boolean;
  /** Whether a bias is added. */
  readonly useBias: boolean;
  /** Whether outputs are L2-normalised. */
  readonly normalize: boolean;
  private neighborKernel?: tf.LayerVariable;
  private bias?: tf.LayerVariable;
  private rootKernel?: tf.LayerVariable;

  constructor(args: SAGEConvArgs) {
    super({ ...args, aggr: args.aggr ?? "mean" });
    this.units = checkUnits(args.units, this.name);
    this.rootWeight = args.rootWeight ?? true;
    this.useBias = args.useBias ?? true;
    this.normalize = args.normalize ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    const inFeatures = featureSize(nodeFeatureShape(inputShape, this.name), this.name);
    const init = (): ReturnType<typeof tf.initializers.glorotUniform> => tf.initializers.glorotUniform({});
    this.neighborKernel = this.addWeight("neighborKernel", [inFeatures, this.units], "float32", init());
    if (this.useBias) this.bias = this.addWeight("bias", [this.units], "float32", tf.initializers.zeros());
    if (this.rootWeight) this.rootKernel = this.addWeight("rootKernel", [inFeatures, this.units], "float32", init());
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [nodeFeatureShape(inputShape, this.name)[0], this.units];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const { x, edgeIndex } = graphLayerInputs(inputs, this.name);
      const edges = readEdgeIndex(edgeIndex, x.shape[0]);
      const kernel = this.neighborKernel!.read() as tf.Tensor2D;
      // Sum and mean commute with the linear map, so project first when that shrinks
      // the rows to move along edges (1433 -> 64 on Cora): same result, far less work.
      let out: tf.Tensor2D =
        this.aggr !== "max" && this.units < (x.shape[1] as number)
          ? (this.propagate(tf.matMul(x as tf.Tensor2D, kernel), edges) as tf.Tensor2D)
          : tf.matMul(this.propagate(x, edges) as tf.Tensor2D, kernel);
      if (this.bias) out = tf.add(out, this.bias.read());
      if (this.rootKernel) out = tf.add(out, tf.matMul(x as tf.Tensor2D, this.rootKernel.read() as tf.Tensor2D));
      // PyG: F.normalize(out, p=2, dim=-1), i.e. divide by max(norm, 1e-12).
      if (this.normalize) out = tf.div(out, tf.maximum(tf.norm(out, 2, -1, true), 1e-12));
      return out;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return {
      ...super.getConfig(),
      units: this.units,
      rootWeight: this.rootWeight,
      useBias: this.useBias,
      normalize: this.normalize,
    };
  }
}

/** Arguments of {@link GINConv}. */
export interface GINConvArgs extends GraphLayerBaseArgs {
  /**
   * Output sizes of the MLP's linear layers, e.g. [64, 64] for
   * Linear(F, 64) -> ReLU -> Linear(64, 64) (PyG's usual Sequential).
   * ReLU goes between the linear layers, not after the last one.
   */
  mlpUnits: number[];
  /** The epsilon of (1 + eps) · x_i. Default 0. */
  eps?: number;
  /** Learn eps (GIN-eps) instead of keeping it fixed (GIN-0). Default false. */
  trainEps?: boolean;
}

/**
 * GINConv (Xu et al. 2019, PyG's GINConv): x'_i = MLP((1 + eps) · x_i + sum_{j in N(i)} x_j).
 * The MLP's weights live in this layer: mlp{k}_kernel and mlp{k}_bias per
 * linear layer; with trainEps, one more weight "eps" [1].
 */
export class GINConv extends MessagePassing {
  /** Serialization name. */
  static className = "GINConv";
  /** Output sizes of the MLP's linear layers. */
  readonly mlpUnits: number[];
  /** Initial (or fixed) epsilon. */
  readonly eps: number;
  /** Whether eps is learned. */
  readonly trainEps: boolean;
  private mlpWeights: { kernel: tf.LayerVariable; bias: tf.LayerVariable }[] = [];
  private epsWeight?: tf.LayerVariable;

  constructor(args: GINConvArgs) {
    super({ ...args, aggr: "sum" });
    if (!Array.isArray(args.mlpUnits) || args.mlpUnits.length === 0) {
      throw new Error(`${this.name}: mlpUnits must list the MLP's layer sizes, e.g. [64, 64]; got ${String(args.mlpUnits)}.`);
    }
    this.mlpUnits = args.mlpUnits.map((units) => checkUnits(units, this.name));
    this.eps = args.eps ?? 0;
    this.trainEps = args.trainEps ?? false;
  }

  override build(inputShape: tf.Shape | tf.Shape[]): void {
    let inFeatures = featureSize(nodeFeatureShape(inputShape, this.name), this.name);
    this.mlpWeights = this.mlpUnits.map((units, k) => {
      const kernel = this.addWeight(`mlp${k}_kernel`, [inFeatures, units], "float32", tf.initializers.glorotUniform({}));
      const bias = this.addWeight(`mlp${k}_bias`, [units], "float32", tf.initializers.zeros());
      inFeatures = units;
      return { kernel, bias };
    });
    if (this.trainEps) this.epsWeight = this.addWeight("eps", [1], "float32", tf.initializers.constant({ value: this.eps }));
    this.built = true;
  }

  override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
    return [nodeFeatureShape(inputShape, this.name)[0], this.mlpUnits[this.mlpUnits.length - 1]];
  }

  override call(inputs: tf.Tensor | tf.Tensor[], _kwargs: CallKwargs): tf.Tensor {
    return tf.tidy(() => {
      const { x, edgeIndex } = graphLayerInputs(inputs, this.name);
      const edges = readEdgeIndex(edgeIndex, x.shape[0]);
      const selfScale = this.epsWeight ? tf.add(1, this.epsWeight.read()) : tf.scalar(1 + this.eps);
      const [first, ...rest] = this.mlpWeights;
      const firstKernel = first.kernel.read() as tf.Tensor2D;
      // The MLP's first layer is linear: W((1 + eps) x + sum x_j) = (1 + eps) Wx + sum Wx_j,
      // so project first when that shrinks the rows to move along edges.
      let h: tf.Tensor2D;
      if (firstKernel.shape[1] < (x.shape[1] as number)) {
        const projected = tf.matMul(x as tf.Tensor2D, firstKernel);
        h = tf.add(tf.mul(projected, selfScale), this.propagate(projected, edges));
      } else {
        h = tf.matMul(tf.add(tf.mul(x, selfScale), this.propagate(x, edges)) as tf.Tensor2D, firstKernel);
      }
      h = tf.add(h, first.bias.read());
      for (const { kernel, bias } of rest) h = tf.add(tf.matMul(tf.relu(h), kernel.read() as tf.Tensor2D), bias.read());
      return h;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), mlpUnits: this.mlpUnits, eps: this.eps, trainEps: this.trainEps };
  }
}

tf.serialization.registerClass(GCNConv, GRAPH_LAYER_PACKAGE);
tf.serialization.registerClass(SAGEConv, GRAPH_LAYER_PACKAGE);
tf.serialization.registerClass(GINConv, GRAPH_LAYER_PACKAGE);
