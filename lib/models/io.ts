/**
 * Saving and loading models on the local filesystem, in tfjs's own layout
 * (model.json + weights.bin, what tf.loadLayersModel and tfjs-node's file://
 * handler read), with an IOHandler written on node:fs because tfjs ships its
 * file:// handler only in tfjs-node. Files are written to a temporary name
 * and renamed, so a checkpoint interrupted mid-write never leaves a torn
 * model behind.
 */
import { mkdir, readFile, rename, stat, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import * as tf from "@tensorflow/tfjs";
import "../layers/index.js"; // registers tensorcell's custom layers so load() can rebuild them
import { keepFrozenLayersInInference } from "../weights/freeze.js";
import { applyQuantization, quantizationOf } from "./quantize.js";
import { decodeQuantizedWeights, encodeQuantizedArtifacts, int8BytesPerElement } from "./quantize_io.js";

const MODEL_FILE = "model.json";
const WEIGHTS_FILE = "weights.bin";

/** A tfjs IOHandler that writes/reads `dir/model.json` and `dir/weights.bin` with node:fs. */
export function fileSystemHandler(dir: string, transform?: (artifacts: tf.io.ModelArtifacts) => tf.io.ModelArtifacts): tf.io.IOHandler {
  return {
    save: async (artifacts) => saveArtifacts(dir, transform ? transform(artifacts) : artifacts),
    load: async () => loadArtifacts(dir),
  };
}

/**
 * Saves `model` to `dir` (created if missing) as model.json + weights.bin.
 * Custom tensorcell layers are registered for serialization, so every family
 * round-trips; predictions after {@link loadModel} are identical.
 */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<void> {
  if (!model || typeof (model as Partial<tf.LayersModel>).save !== "function") {
    throw new Error(`models.save: the first argument must be a tf.LayersModel (e.g. from models.create), got ${describe(model)}.`);
  }
  if (typeof dir !== "string" || dir.length === 0) throw new Error(`models.save: the second argument must be a directory path, got ${describe(dir)}.`);
  // A quantized model (models.quantize) stores its quantized kernels as int8.
  await model.save(fileSystemHandler(dir, (artifacts) => encodeQuantizedArtifacts(model, artifacts)));
}

/** Loads a model saved by {@link saveModel} (or any tfjs layers model.json with its weight files) from `dir`. */
export async function loadModel(dir: string): Promise<tf.LayersModel> {
  if (typeof dir !== "string" || dir.length === 0) throw new Error(`models.load: the argument must be a directory path, got ${describe(dir)}.`);
  try {
    const model = await tf.loadLayersModel(fileSystemHandler(dir));
    const quantization = quantizationOf(model);
    if (quantization) applyQuantization(model, quantization);
    keepFrozenLayersInInference(model);
    return model;
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (message.startsWith("models.load")) throw error;
    throw new Error(`models.load("${dir}"): model.json could not be rebuilt (${message.split("\n")[0]}). Was it saved by models.save with this tensorcell version?`);
  }
}

async function saveArtifacts(dir: string, artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
  if (artifacts.modelTopology instanceof ArrayBuffer) {
    throw new Error("models.save: graph models (binary topology) are not supported; save a tf.LayersModel.");
  }
  await mkdir(dir, { recursive: true });
  const weights = artifacts.weightData ? Buffer.from(tf.io.CompositeArrayBuffer.join(artifacts.weightData)) : Buffer.alloc(0);
  const modelJson: tf.io.ModelJSON = {
    modelTopology: artifacts.modelTopology ?? {},
    format: artifacts.format ?? "layers-model",
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy ?? null,
    weightsManifest: [{ paths: [`./${WEIGHTS_FILE}`], weights: artifacts.weightSpecs ?? [] }],
  };
  if (artifacts.trainingConfig) modelJson.trainingConfig = artifacts.trainingConfig;
  if (artifacts.userDefinedMetadata) modelJson.userDefinedMetadata = artifacts.userDefinedMetadata;
  // Weights first, then model.json: a reader never sees a model.json whose weights are not written yet.
  await writeAtomically(join(dir, WEIGHTS_FILE), weights);
  await writeAtomically(join(dir, MODEL_FILE), JSON.stringify(modelJson));
  return {
    modelArtifactsInfo: {
      dateSaved: new Date(),
      modelTopologyType: "JSON",
      modelTopologyBytes: JSON.stringify(modelJson.modelTopology).length,
      weightSpecsBytes: JSON.stringify(modelJson.weightsManifest).length,
      weightDataBytes: weights.byteLength,
    },
  };
}

async function writeAtomically(path: string, data: string | Buffer): Promise<void> {
  const temporary = `${path}.tmp-${process.pid}`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

async function loadArtifacts(dir: string): Promise<tf.io.ModelArtifacts> {
  const where = `models.load("${dir}")`;
  const info = await stat(dir).catch(() => undefined);
  if (!info) throw new Error(`${where}: no such directory (${resolve(dir)}); pass the folder given to models.save.`);
  if (!info.isDirectory()) throw new Error(`${where}: this is a file, not a directory; pass the folder that holds model.json.`);
  const jsonPath = join(dir, MODEL_FILE);
  const text = await readFile(jsonPath, "utf8").catch(() => undefined);
  if (text === undefined) throw new Error(`${where}: no model.json in ${resolve(dir)}; save one with models.save(model, dir).`);
  let modelJson: tf.io.ModelJSON;
  try {
    modelJson = JSON.parse(text) as tf.io.ModelJSON;
  } catch (error) {
    throw new Error(`${where}: model.json is not valid JSON (${(error as Error).message}); re-save the model with models.save.`);
  }
  if (!modelJson || typeof modelJson !== "object" || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
    throw new Error(`${where}: model.json lacks modelTopology or weightsManifest, so it is not a tfjs layers model; re-save it with models.save.`);
  }
  return tf.io.getModelArtifactsForJSON(modelJson, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Buffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const path of group.paths) {
        const weightPath = join(dir, path);
        const data = await readFile(weightPath).catch(() => undefined);
        if (!data) throw new Error(`${where}: weight file ${path} named in model.json is missing; copy it next to model.json.`);
        buffers.push(data);
      }
    }
    const joined = Buffer.concat(buffers);
    const expected = specs.reduce((sum, spec) => sum + spec.shape.reduce((a, b) => a * b, 1) * bytesPerElement(spec), 0);
    if (joined.byteLength !== expected) {
      throw new Error(`${where}: the weight files hold ${joined.byteLength} bytes but model.json describes ${expected}; the folder is incomplete or mixed.`);
    }
    const weightData = joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
    return decodeQuantizedWeights(specs, weightData);
  });
}

function bytesPerElement(spec: tf.io.WeightsManifestEntry): number {
  const int8 = int8BytesPerElement(spec);
  if (int8 !== undefined) return int8;
  if (spec.quantization) return spec.quantization.dtype === "uint8" ? 1 : 2; // uint16 and float16
  return spec.dtype === "bool" ? 1 : 4;
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return String(value);
  if (typeof value === "object") return value.constructor?.name ?? "an object";
  return `${typeof value} ${JSON.stringify(value)}`;
}

/** Options of {@link checkpoint}. */
export interface CheckpointOptions {
  /** Save every n epochs. Default 1. */
  every?: number;
  /** Keep one folder per saved epoch (dir/epoch-001, dir/epoch-002 ...) instead of overwriting dir. Default false. */
  keepAll?: boolean;
  /** Called after each save with the epoch (1-based) and the folder written. */
  onSaved?: (epoch: number, dir: string) => void;
}

/** A model.fit callback that saves the model under training at the end of epochs. */
export class CheckpointCallback extends tf.Callback {
  /** Folder (or parent folder with keepAll) the checkpoints go to. */
  readonly dir: string;
  private readonly every: number;
  private readonly keepAll: boolean;
  private readonly onSaved?: (epoch: number, dir: string) => void;

  constructor(dir: string, options: CheckpointOptions = {}) {
    super();
    if (typeof dir !== "string" || dir.length === 0) throw new Error(`models.checkpoint: the first argument must be a directory path, got ${describe(dir)}.`);
    const every = options.every ?? 1;
    if (!Number.isInteger(every) || every < 1) throw new Error(`models.checkpoint: option every must be a positive integer, got ${JSON.stringify(every)}.`);
    this.dir = dir;
    this.every = every;
    this.keepAll = options.keepAll ?? false;
    this.onSaved = options.onSaved;
  }

  override async onEpochEnd(epoch: number): Promise<void> {
    const epochNumber = epoch + 1;
    if (epochNumber % this.every !== 0) return;
    const target = this.keepAll ? join(this.dir, `epoch-${String(epochNumber).padStart(3, "0")}`) : this.dir;
    await saveModel(this.model, target);
    this.onSaved?.(epochNumber, target);
  }
}

/**
 * A callback for `model.fit(x, y, { callbacks: [models.checkpoint("runs/ckpt")] })`
 * that saves the model (model.json + weights.bin) at the end of every epoch
 * (or every `options.every` epochs; one folder per epoch with `keepAll`).
 */
export function checkpoint(dir: string, options: CheckpointOptions = {}): CheckpointCallback {
  return new CheckpointCallback(dir, options);
}
