/**
 * ScheduledDropPath (Zoph et al. 2018, "Learning Transferable Architectures for
 * Scalable Image Recognition", section 4 and appendix A; TF-slim nasnet_utils
 * `_apply_drop_path`): drop-path whose probability grows linearly over
 * training. While training, each sample's branch is zeroed with probability
 * `rate * progress` and the survivors are scaled by 1 / (1 - rate * progress);
 * `progress` goes from 0 (start of training) to 1 (the end), so early training
 * sees no drop-path at all. At inference it is the identity. No parameters.
 *
 * The schedule advances only when told: {@link setDropPathProgress} sets the
 * progress of every ScheduledDropPath layer in a model, and
 * {@link dropPathSchedule} is a fit callback that sets it to
 * min(1, step / totalSteps) after every batch. `progress` is saved with the
 * model, so training can resume where it stopped.
 */
import * as tf from "@tensorflow/tfjs";
import { CNN_LAYER_PACKAGE, type CnnLayerArgs, onlyInput } from "./cnn_common.js";

/** Arguments of {@link ScheduledDropPath}. */
export interface ScheduledDropPathArgs extends CnnLayerArgs {
  /** Drop probability at the end of the schedule (progress 1), in [0, 1). */
  rate: number;
  /** Where the schedule stands, in [0, 1]. Default 0. */
  progress?: number;
}

function checkProgress(progress: number, where: string): number {
  if (!(typeof progress === "number" && progress >= 0 && progress <= 1)) {
    throw new Error(`${where}: progress must be a number in [0, 1] (the fraction of training done), got ${JSON.stringify(progress)}.`);
  }
  return progress;
}

/** Per-sample branch dropout whose probability is `rate * progress`; identity unless `training` is true. */
export class ScheduledDropPath extends tf.layers.Layer {
  /** Serialization name. */
  static className = "ScheduledDropPath";
  /** Drop probability at the end of the schedule. */
  readonly rate: number;
  /** Fraction of the schedule done, in [0, 1]; set by setDropPathProgress / dropPathSchedule. */
  progress: number;

  constructor(args: ScheduledDropPathArgs) {
    super(args);
    if (!(args.rate >= 0 && args.rate < 1)) throw new Error(`ScheduledDropPath rate must be in [0, 1), got ${args.rate}.`);
    this.rate = args.rate;
    this.progress = checkProgress(args.progress ?? 0, "ScheduledDropPath");
  }

  /** The drop probability now: rate x progress. */
  get currentRate(): number {
    return this.rate * this.progress;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Record<string, unknown>): tf.Tensor {
    const x = onlyInput(inputs, "ScheduledDropPath");
    const rate = this.currentRate;
    if (kwargs?.["training"] !== true || rate === 0) return tf.clone(x);
    return tf.tidy(() => {
      const keep = 1 - rate;
      const maskShape = [x.shape[0], ...x.shape.slice(1).map(() => 1)];
      const mask = tf.floor(tf.add(tf.randomUniform(maskShape), keep));
      return tf.mul(x, tf.div(mask, keep));
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { ...super.getConfig(), rate: this.rate, progress: this.progress };
  }
}

tf.serialization.registerClass(ScheduledDropPath, CNN_LAYER_PACKAGE);

/** Sets the schedule's progress (0 = start of training, 1 = end) on every ScheduledDropPath layer of `model`; returns how many. */
export function setDropPathProgress(model: tf.LayersModel, progress: number): number {
  checkProgress(progress, "setDropPathProgress");
  const layers = model.layers.filter((layer): layer is ScheduledDropPath => layer instanceof ScheduledDropPath);
  for (const layer of layers) layer.progress = progress;
  return layers.length;
}

/** Options of {@link dropPathSchedule}. */
export interface DropPathScheduleOptions {
  /** Batches over which the drop probability ramps from 0 to its full rate (e.g. epochs x batches per epoch). */
  totalSteps: number;
  /** Batches already trained (to resume a schedule). Default 0. */
  initialStep?: number;
}

/**
 * A fit callback that ramps every ScheduledDropPath of `model` linearly:
 * after batch `step` the progress is min(1, step / totalSteps).
 * @example await model.fit(x, y, { epochs: 10, callbacks: [dropPathSchedule(model, { totalSteps: 10 * batchesPerEpoch })] });
 */
export function dropPathSchedule(model: tf.LayersModel, options: DropPathScheduleOptions): tf.CustomCallback {
  const { totalSteps, initialStep = 0 } = options ?? ({} as DropPathScheduleOptions);
  if (!(Number.isInteger(totalSteps) && totalSteps > 0)) {
    throw new Error(`dropPathSchedule: totalSteps must be a positive integer (batches over which to ramp), got ${JSON.stringify(totalSteps)}.`);
  }
  if (!(Number.isInteger(initialStep) && initialStep >= 0)) {
    throw new Error(`dropPathSchedule: initialStep must be a non-negative integer, got ${JSON.stringify(initialStep)}.`);
  }
  let step = initialStep;
  return new tf.CustomCallback({
    onTrainBegin: async () => void setDropPathProgress(model, Math.min(1, step / totalSteps)),
    onBatchEnd: async () => {
      step += 1;
      setDropPathProgress(model, Math.min(1, step / totalSteps));
    },
  });
}
