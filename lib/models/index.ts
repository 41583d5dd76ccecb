/**
 * The model library as cells see it: `models.list / create / info / features
 * / save / load / checkpoint`. Every family file registers its variants on
 * import (families.ts imports them all).
 */
import type * as tf from "@tensorflow/tfjs";
import "./families.js";
import { extractFeatures, type FeatureOptions } from "./features.js";
import { type CheckpointCallback, type CheckpointOptions, checkpoint, loadModel, saveModel } from "./io.js";
import { guardGraphModel } from "./graph_guard.js";
import { translateGraphOptions } from "./graph_options.js";
import {
  evaluateGraphs,
  evaluateNodes,
  fitGraphClassifier,
  fitNodeClassifier,
  predictGraphs,
  predictNodes,
} from "./graph_training.js";
import { dropPathSchedule, setDropPathProgress } from "../layers/scheduled_drop_path.js";
import { readModelMetadata, writeModelMetadata } from "./metadata.js";
import { acceptedOptions, resolveModelOptions } from "./options.js";
import { countTrainableParams } from "./params.js";
import { createPretrained, type PretrainedSource } from "../weights/pretrained.js";
import { saveTimmSafetensors } from "../weights/timm/save.js";
import { reparameterizeUniRepLKNet } from "./reparameterize.js";
import { quantizeModel, type QuantizeOptions } from "./quantize.js";
import { linearProbe } from "./linear_probe.js";
import { svmLoss } from "./svm_head.js";
import { profileModel, type ModelProfile, type ProfileOptions } from "./profile.js";
import { allModelSpecs, getModelSpec, type ModelOptions, type ModelSpec, type ModelTask } from "./registry.js";
import { pretrainedConfig, type ModelPretrainedConfig } from "../weights/config.js";
import { decodePredictions, type DecodedClass } from "../weights/decode.js";
import { freezeModel, unfreezeModel, type FreezeOptions } from "../weights/freeze.js";
import { preprocessImages, type PreprocessConfig, type PreprocessInput } from "../weights/preprocess.js";

export type { ModelOptions, ModelSpec, ModelTask } from "./registry.js";
export type { FeatureOptions } from "./features.js";
export type { CheckpointCallback, CheckpointOptions } from "./io.js";
export type { TensorcellModelMetadata } from "./metadata.js";
export type { PretrainedSource } from "../weights/pretrained.js";
export type { QuantizeOptions, QuantizationInfo } from "./quantize.js";
export type { LinearProbeOptions, LinearProbeResult, ProbeSplit } from "./linear_probe.js";
export type { LayerProfile, ModelProfile, ProfileOptions } from "./profile.js";
export type {
  ClassificationScore,
  FitGraphClassifierOptions,
  FitNodeClassifierOptions,
  GraphFitOptions,
  GraphTrainingCallbacks,
  GraphTrainingHistory,
  LabelledGraph,
  NodeGraphInputs,
  NodeMask,
} from "./graph_training.js";
export type { GraphShapeSource } from "./graph_options.js";
export type { ModelPretrainedConfig } from "../weights/config.js";
export type { DecodedClass } from "../weights/decode.js";
export type { FreezeOptions } from "../weights/freeze.js";
export type { PreprocessConfig, PreprocessInput } from "../weights/preprocess.js";
export type { PretrainedConfig } from "../weights/pretrained-configs.js";
export { IMAGENET_CLASSES } from "../weights/imagenet-classes.js";
export { PYG_OPTION_ALIASES } from "./graph_options.js";

/** What `models.info(name)` reports about a registered architecture. */
export interface ModelInfo {
  /** Registry name. */
  name: string;
  /** Family (the file it lives in): "resnet", "convnext", "vit", "gcn" ... */
  family: string;
  /** The paper or reference implementation it follows. */
  paper: string;
  /** What it consumes: "image", "node" or "graph". */
  task: ModelTask;
  /** Trainable parameters of the default configuration (counted on a built model, as timm counts). */
  params: number;
  /** Default input shape without the batch axis. */
  defaultInput: number[];
  /** Default number of classes. */
  numClasses: number;
  /** Every option `create` accepts, with its default (null when the builder picks it). */
  options: Record<string, unknown>;
}

const paramCache = new Map<string, number>();

/** Converts a wildcard pattern ("vit_*", "resnet?0") to an anchored regular expression. */
function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*").replace(/\?/g, ".");
  return new RegExp(`^${escaped}$`, "i");
}

/**
 * Builds a fresh, randomly initialised model. Options: `numClasses`,
 * `inputShape` (no batch axis, e.g. [32, 32, 3]) and the family's own
 * (see `models.info(name).options`). Classifiers end in softmax unless
 * `headActivation: "linear"` asks for logits; the CNN families (mnist_cnn,
 * lenet5, simplenet, resnet*) take `head: "svm"` for CNN-SVM (linear
 * scores; compile with `loss: models.svmLoss`). Throws a one-line error for
 * an unknown name (with close names), unknown options or a bad shape.
 *
 * Graph models (gcn, gat, graphsage, gin, appnp, dagnn, gin_graph) also
 * take `graph` (e.g. `data.karateClub()`), which sets inputShape
 * [numFeatures] and numClasses from it, and PyTorch Geometric's names:
 * `in_channels` (inputShape [n]), `hidden_channels` (hidden),
 * `out_channels` (numClasses), `num_layers` (numLayers; 2 for the
 * two-layer node classifiers). They train with `models.fitNodeClassifier`
 * / `models.fitGraphClassifier`; their `fit`, `evaluate` and `predict`
 * throw an error pointing there.
 *
 * With `pretrained` (timm / PyTorch weights) it returns a Promise instead: see the other overload.
 * @example const net = models.create("resnet20", { numClasses: 10 });
 * @example const gcn = models.create("gcn", { graph: data.karateClub(), hidden_channels: 16 });
 */
function create(name: string, options?: ModelOptions & { pretrained?: false }): tf.LayersModel;
/**
 * Builds a model and loads timm / PyTorch weights into it; returns a Promise
 * (await it). `pretrained`: `true` for the model's default timm weights
 * (models.pretrainedConfig(name).hubId), a hub id ("timm/convnext_atto.d2_in1k"),
 * a .safetensors file, or a folder holding one. Families: resnet, convnext,
 * inception_next, vit / deit, convit, mixer, inception_v4, inception_resnet_v2,
 * spnasnet, nasnet, tnt, halonet (timm's keys); hornet, resnet_ibn, unireplknet (the
 * authors' keys, local files only). The head takes the checkpoint's
 * classes unless `numClasses` differs; then it is freshly initialised (as
 * timm does) and one line says so. Every key and shape is checked before any
 * weight is written: a missing, unexpected or misshapen key, or another
 * architecture's file, is a one-line error. The source is recorded in the
 * model's metadata. Other options as without `pretrained`.
 * @example const net = await models.create("convnext_atto", { pretrained: "convnext_atto.safetensors", headActivation: "linear" });
 * @example const net = await models.create("resnet18", { pretrained: true, numClasses: 10 }); // fine-tuning head
 */
function create(name: string, options: ModelOptions & { pretrained: PretrainedSource }): Promise<tf.LayersModel>;
function create(name: string, options?: ModelOptions): tf.LayersModel | Promise<tf.LayersModel> {
  if (typeof name !== "string") throw new Error(`models.create: the model name must be a string such as "resnet18", got ${JSON.stringify(name)}.`);
  const spec = getModelSpec(name);
  const build = (opts?: ModelOptions) => {
    const resolved = resolveModelOptions(spec, translateGraphOptions(spec, opts));
    const model = spec.build(resolved);
    writeModelMetadata(model, { model: spec.name, family: spec.family });
    return guardGraphModel(model);
  };
  const pretrained = options !== null && typeof options === "object" ? options.pretrained : undefined;
  if (pretrained === undefined || pretrained === false) return build(options);
  const { pretrained: _source, ...rest } = options!;
  return createPretrained(spec, rest, pretrained, build);
}

/**
 * The model library: create, inspect, extract features from, save and load
 * registered architectures, and train, score and run the graph models.
 */
export const models = {
  /**
   * Registered model names, in registration order; with a pattern, only the
   * names matching it (`*` any run of characters, `?` one character;
   * case-insensitive): `models.list("resnet?0")` -> ["resnet50", "resnet20"].
   */
  list(pattern?: string): string[] {
    const names = allModelSpecs().map((spec) => spec.name);
    if (pattern === undefined) return names;
    if (typeof pattern !== "string") throw new Error(`models.list: pattern must be a string such as "vit_*", got ${JSON.stringify(pattern)}.`);
    const matcher = wildcardToRegExp(pattern);
    return names.filter((name) => matcher.test(name));
  },

  /** Builds a model: synchronously, or a Promise when `pretrained` loads timm / PyTorch weights (see the overloads). */
  create,

  /**
   * Describes a registered model: family, paper, task, trainable parameters
   * of the default configuration (built once, then cached), default input,
   * classes and accepted options.
   */
  info(name: string): ModelInfo {
    const spec = getModelSpec(name);
    let params = paramCache.get(spec.name);
    if (params === undefined) {
      const model = spec.build(resolveModelOptions(spec, {}));
      params = countTrainableParams(model);
      model.dispose();
      paramCache.set(spec.name, params);
    }
    const options = Object.fromEntries(acceptedOptions(spec).map((option) => [option, spec.defaults[option] ?? null]));
    return {
      name: spec.name,
      family: spec.family,
      paper: spec.paper,
      task: spec.task,
      params,
      defaultInput: [...spec.defaults.inputShape],
      numClasses: spec.defaults.numClasses,
      options,
    };
  },

  /**
   * Named intermediate activations for `input`, like timm's features_only.
   * Default: the last layer of each stage, named as timm names them (resnet:
   * act1, layer1..layer4; convnext / inception_next: stages.0..stages.3; inception_v4,
   * inception_resnet_v2, spnasnet_100, nasnetalarge: timm's feature_info modules;
   * lenet5, mnist_cnn, simplenet: each pooling stage); `options.layers` picks feature names,
   * layer names or model.layers indices instead. Dispose the tensors when done.
   * @example const maps = models.features(net, images); // { act1, layer1, ... }
   */
  features(model: tf.LayersModel, input: tf.Tensor | tf.Tensor[], options?: FeatureOptions): Record<string, tf.Tensor> {
    return extractFeatures(model, input, options);
  },

  /**
   * Saves a model to a folder on disk (model.json + weights.bin); the folder is created if needed.
   * A path ending in .safetensors writes the weights alone with timm's keys and layouts instead,
   * for PyTorch: `timm.create_model(name, pretrained_cfg_overlay=dict(file=path))`, or
   * `load_state_dict` (ResNets load into torchvision's too).
   */
  save(model: tf.LayersModel, path: string): Promise<void> {
    if (typeof path === "string" && path.endsWith(".safetensors")) return saveTimmSafetensors(model, path);
    return saveModel(model, path);
  },

  /** Loads a model saved with `models.save` from its folder; predictions match the saved model exactly. */
  async load(dir: string): Promise<tf.LayersModel> {
    return guardGraphModel(await loadModel(dir));
  },

  /**
   * A `model.fit` callback that saves the model to `dir` at the end of every
   * epoch (`{ every: n }` for every n-th, `{ keepAll: true }` for one folder
   * per epoch: dir/epoch-001 ...).
   * @example await net.fit(x, y, { epochs: 5, callbacks: [models.checkpoint("runs/net")] });
   */
  checkpoint(dir: string, options?: CheckpointOptions): CheckpointCallback {
    return checkpoint(dir, options);
  },

  /**
   * Re-parameterises a trained UniRepLKNet for inference (the reference's reparameterize_unireplknet):
   * folds the dilated branches and BatchNorms into single large kernels and returns the deploy-form
   * model (same predictions, fewer parameters and layers). The input model is left unchanged.
   * @example const fast = models.reparameterize(net);
   */
  reparameterize(model: tf.LayersModel): tf.LayersModel {
    return reparameterizeUniRepLKNet(model);
  },

  /**
   * A `model.fit` callback that ramps the ScheduledDropPath layers of a model
   * built with `dropPathRate` (nasnetalarge) linearly from 0 to their full rate
   * over `totalSteps` batches (progress = min(1, step / totalSteps) after each batch).
   * With trainOnBatch loops, call `models.setDropPathProgress(model, step / totalSteps)` instead.
   * @example await net.fit(x, y, { epochs: 10, callbacks: [models.dropPathSchedule(net, { totalSteps: 10 * batchesPerEpoch })] });
   */
  dropPathSchedule,

  /** Sets the drop-path schedule's progress (0 = start, 1 = end of training) on every ScheduledDropPath layer; returns how many. */
  setDropPathProgress,

  /** The registry name a model was created from (kept through save/load), or undefined. */
  nameOf(model: tf.LayersModel): string | undefined {
    return readModelMetadata(model).model;
  },

  /**
   * Trains a node classifier (gcn, gat, graphsage, gin, appnp, dagnn) on one
   * graph, full-batch as PyG's examples do: each epoch runs the whole graph in
   * training mode, takes the cross-entropy over the training nodes
   * (`trainMask`, default the graph's) and steps Adam (`learningRate` 0.01,
   * `weightDecay` 5e-4, or your `optimizer`). Reports loss / acc and, when
   * there are validation nodes, val_loss / val_acc to `callbacks` each epoch
   * (`viz.liveCurves()` works) and returns the history, shaped as tf.History.
   * Defaults: 200 epochs.
   * @example
   * const graph = data.karateClub();
   * const gcn = models.create("gcn", { graph });
   * await models.fitNodeClassifier(gcn, graph, { epochs: 100, callbacks: viz.liveCurves() });
   * models.evaluateNodes(gcn, graph) // { loss, accuracy } on the graph's testMask
   */
  fitNodeClassifier,

  /**
   * Loss and accuracy of a node classifier on the nodes of `mask` (default the
   * graph's testMask), in inference mode: `{ loss, accuracy }`.
   * @example models.evaluateNodes(gcn, graph).accuracy
   */
  evaluateNodes,

  /** Class probabilities [numNodes, numClasses] of a node classifier on a graph (inference mode). Dispose when done. */
  predictNodes,

  /**
   * Trains a graph classifier (gin_graph) on a list of small graphs in
   * shuffled, seeded mini-batches (`batchSize` 64, 100 epochs, Adam 0.01);
   * `validationGraphs` adds val_loss / val_acc. Callbacks and history as
   * {@link fitNodeClassifier}.
   * @example
   * const set = data.syntheticShapeGraphs();
   * const gin = models.create("gin_graph", { graph: set });
   * await models.fitGraphClassifier(gin, set.train, { epochs: 50, validationGraphs: set.val });
   * models.evaluateGraphs(gin, set.test)
   */
  fitGraphClassifier,

  /** Loss and accuracy of a graph classifier on a list of small graphs (inference mode): `{ loss, accuracy }`. */
  evaluateGraphs,

  /**
   * A quantized copy of `model` (Krishnamoorthi 2018 whitepaper), computing
   * with simulated quantization: conv / dense weights symmetric int8 per
   * output channel (`perChannel: false`: per tensor), and with
   * `activations: "int8"` each such layer's output asymmetric 8-bit per tensor,
   * its range calibrated on `calibration` batches. `bits: 4` uses 4-bit weight
   * levels. `training: true` for quantization-aware training: compile and fit
   * the copy; gradients pass straight through the rounding. `models.save`
   * stores its quantized weights as int8 (about 4x smaller) and `models.load`
   * restores the same quantized model.
   * @example const q = await models.quantize(net, { weights: "int8", perChannel: true, activations: "int8", calibration: xTrain.slice(0, 256) });
   * @example const qat = await models.quantize(net, { training: true, bits: 4 }); qat.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
   */
  quantize(model: tf.LayersModel, options?: QuantizeOptions): Promise<tf.LayersModel> {
    return quantizeModel(model, options);
  },

  /**
   * Linear evaluation of frozen features (as RotNet scores self-supervised
   * pretraining): flattens the output of `layer` for `train.x` / `test.x`,
   * trains only a linear softmax classifier on them (Adam 0.01, 50 epochs)
   * and returns `{ accuracy, trainAccuracy, featureSize, probe }`.
   * @example const { accuracy } = await models.linearProbe(net, { layer: "pool2", train: { x, y }, test: { x: xt, y: yt } });
   */
  linearProbe,

  /**
   * The L2-SVM (squared hinge) loss of CNN-SVM (Tang 2013; Agarap 2017), for
   * models created with `head: "svm"`: one-hot labels become +1 / -1 targets
   * and each example costs sum over classes of max(0, 1 - t * score)^2. Use
   * it as the compile loss; "accuracy" works as the metric on the scores.
   * @example
   * const net = models.create("mnist_cnn", { head: "svm" });
   * net.compile({ optimizer: tf.train.adam(1e-3), loss: models.svmLoss, metrics: ["accuracy"] });
   */
  svmLoss,

  /**
   * Per-layer efficiency on `input` (Lavin 2024, "On the Efficiency of
   * Convolutional Neural Networks"): FLOPs (exact for conv / dense,
   * multiply-add = 2), minimum bytes moved (float32 inputs + weights +
   * outputs), arithmetic intensity, median measured time of each layer run
   * alone (`runs`, default 5) and achieved GFLOP/s, plus totals. Chart it
   * with `viz.efficiency(profile)`. Image models only (one input tensor).
   * @example const profile = await models.profile(net, tf.zeros([32, 28, 28, 1]));
   */
  profile(model: tf.LayersModel, input: tf.Tensor, options?: ProfileOptions): Promise<ModelProfile> {
    return profileModel(model, input, options);
  },

  /** Class probabilities [numGraphs, numClasses] of a graph classifier for a list of small graphs. Dispose when done. */
  predictGraphs,

  /**
   * What a model's pretrained weights expect (timm's pretrained_cfg): hub id, inputShape,
   * interpolation, cropPct, mean/std, numClasses; `source` when the model recorded where its
   * weights came from. Takes a model from models.create or a registry name.
   * @example models.pretrainedConfig("resnet18").cropPct // 0.95
   */
  pretrainedConfig(model: tf.LayersModel | string): ModelPretrainedConfig {
    return pretrainedConfig(model);
  },

  /**
   * timm's eval transform for a model's pretrained weights (or a config): resize the shorter
   * side to floor(size / cropPct) as Pillow does (bicubic / bilinear with antialiasing, nearest),
   * centre-crop to size, scale to 0..1, normalise by mean/std. Images: a tf.Tensor [h, w, c] or
   * [n, h, w, c] (int32 = 0..255, float32 = 0..1), a list of [h, w, c] tensors of any sizes, or a
   * dataset with `images` (data.loadImages, data.shapes). Returns [n, size, size, 3] float32.
   * @example const x = models.preprocess(net, data.loadImages("photos/").images);
   */
  preprocess(model: tf.LayersModel | string | PreprocessConfig, images: PreprocessInput): tf.Tensor4D {
    return preprocessImages(model, images);
  },

  /**
   * Top-k ImageNet-1k classes of classifier outputs [batch, 1000] (or [1000]): one list per
   * image of { index, label, probability }, most probable first. Logits go through a softmax;
   * rows that are already probabilities (0..1, summing to 1) are used as they are.
   * @example models.decode(net.predict(x) as tf.Tensor, 3)[0][0].label // "tabby"
   */
  decode(output: tf.Tensor, k = 5): DecodedClass[][] {
    return decodePredictions(output, k);
  },

  /**
   * Freezes model.layers up to and including `upTo` (a feature name such as "layer3" or
   * "stages.2", a layer name or an index; default: the whole backbone, up to the last feature
   * point) and makes the rest trainable; frozen layers run in inference mode during fit
   * (BatchNorm keeps its statistics). Returns the number of trainable parameters now.
   * @example models.freeze(net) // only the classifier head trains
   */
  freeze(model: tf.LayersModel, options?: FreezeOptions): number {
    return freezeModel(model, options);
  },

  /** Makes every layer of a model trainable again; returns the number of trainable parameters. */
  unfreeze(model: tf.LayersModel): number {
    return unfreezeModel(model);
  },
};

/** Trainable parameters of a model, counted as timm/PyTorch count them. */
export { countTrainableParams } from "./params.js";
