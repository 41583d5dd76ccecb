/**
 * RMSProp's update of one variable as one kernel instead of about a dozen tensor ops,
 * and SGD with momentum's instead of four.
 *
 * tfjs-core's RMSPropOptimizer updates each variable with separate element-wise ops
 * (square, scalar multiplies, add, sqrt, divide, subtract: a pass over memory each, and
 * it computes the new mean square twice). On wasm those are single-threaded tfjs kernels
 * or pool calls of their own: in a training step of the reference CNN (594,922 weights)
 * they took 5.8 ms of 85 at 1 thread and 10.7 ms of 73 at 2 (tf.profile). The kernel
 * RMSPROP_STEP reads the variable, its two accumulators and the gradient once and writes
 * the three new tensors; tensorcell's wasm kernel (lib/backend/wasm/optimizer-kernels.ts)
 * splits the elements between threads. It computes each element in float32 in tfjs's
 * order, so results are the same bits as tfjs's optimizer. Backends without the kernel
 * compose the same ops as tfjs. MOMENTUM_STEP does the same for tf.train.momentum, whose
 * four small ops per variable took about 6 ms of a ResNet-20 step (59 variables) at 1 and
 * 2 threads, mostly the cost of calling 236 ops.
 */
import * as tf from "@tensorflow/tfjs";

/** Name of tensorcell's fused RMSProp kernel (registered on wasm). */
export const RMSPROP_STEP = "TensorcellRmsPropStep";

/** RMSPROP_STEP's attributes: the optimizer's hyperparameters. */
export interface RmsPropStepAttrs {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
}

/**
 * One non-centered RMSProp step of `value` with `gradient`: [mean square, moment, value]
 * after it. ms' = ms·decay + g²·(1 - decay); mom' = mom·momentum + g·lr / √(ms' + ε);
 * value' = value - mom' (tfjs-core's formula).
 */
export function rmsPropStep(value: tf.Tensor, meanSquare: tf.Tensor, moment: tf.Tensor, gradient: tf.Tensor, attrs: RmsPropStepAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  const fused = [value, meanSquare, moment, gradient].every((t) => t.dtype === "float32" && t.size === value.size) && tf.getKernel(RMSPROP_STEP, tf.getBackend());
  if (fused) {
    const inputs = { value, meanSquare, moment, gradient } as unknown as tf.NamedTensorMap;
    return tf.engine().runKernel(RMSPROP_STEP, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor, tf.Tensor];
  }
  return composedRmsPropStep(value, meanSquare, moment, gradient, attrs);
}

/** rmsPropStep from tf ops, as tfjs-core's RMSPropOptimizer computes it. */
export function composedRmsPropStep(value: tf.Tensor, meanSquare: tf.Tensor, moment: tf.Tensor, gradient: tf.Tensor, a: RmsPropStepAttrs): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const newMeanSquare = tf.add(tf.mul(meanSquare, a.decay), tf.mul(tf.square(gradient), 1 - a.decay));
    const newMoment = tf.add(tf.mul(moment, a.momentum), tf.div(tf.mul(gradient, a.learningRate), tf.sqrt(tf.add(newMeanSquare, a.epsilon))));
    return [newMeanSquare, newMoment, tf.sub(value, newMoment)];
  });
}

/** An optimizer's per-variable accumulator, as tfjs-core keeps them (the name is what its weights are saved under). */
interface Accumulator {
  originalName: string;
  variable: tf.Variable;
}

/**
 * tfjs-core's applyGradients loop: for the i-th variable with a gradient, its accumulators
 * (slot k's list[i], made the first time as zeros named `${variable}/${suffix}`, where and
 * as tfjs makes them, so optimizer weights save and load as before), then `update` in a
 * tidy scope. A variable without a gradient still gets its accumulators.
 */
function updateEachVariable(
  variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  slots: { list: Accumulator[]; suffix: string }[],
  update: (value: tf.Variable, gradient: tf.Tensor, accumulators: tf.Variable[]) => void,
): void {
  const names = Array.isArray(variableGradients) ? variableGradients.map((item) => item.name) : Object.keys(variableGradients);
  names.forEach((name, i) => {
    const value = tf.engine().registeredVariables[name]!;
    for (const slot of slots) slot.list[i] ??= { originalName: `${name}/${slot.suffix}`, variable: tf.tidy(() => tf.zerosLike(value).variable(false)) };
    const gradient = Array.isArray(variableGradients) ? variableGradients[i]!.tensor : variableGradients[name];
    if (gradient == null) return;
    tf.tidy(() => update(value, gradient, slots.map((slot) => slot.list[i]!.variable)));
  });
}

/** The fields of tfjs-core's RMSPropOptimizer that its update reads (protected in its typings). */
interface RmsPropInternals {
  learningRate: number;
  decay: number;
  momentum: number;
  epsilon: number;
  centered: boolean;
  accumulatedMeanSquares: Accumulator[];
  accumulatedMoments: Accumulator[];
  incrementIterations(): void;
}

let installed = false;

/**
 * Makes tf.train.rmsprop's non-centered update use rmsPropStep (centered RMSProp keeps
 * tfjs's own). Accumulators keep tfjs's names and order, so optimizer weights save and
 * load as before. Installed once per process by initBackend.
 */
export function installFusedRmsProp(): void {
  if (installed) return;
  installed = true;
  const prototype = tf.RMSPropOptimizer.prototype;
  const original = prototype.applyGradients;
  prototype.applyGradients = function applyFusedRmsProp(this: tf.RMSPropOptimizer, variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[]): void {
    const self = this as unknown as RmsPropInternals;
    if (self.centered) return original.call(this, variableGradients);
    const slots = [{ list: self.accumulatedMeanSquares, suffix: "rms" }, { list: self.accumulatedMoments, suffix: "momentum" }];
    updateEachVariable(variableGradients, slots, (value, gradient, [meanSquare, moment]) => {
      const attrs = { learningRate: self.learningRate, decay: self.decay, momentum: self.momentum, epsilon: self.epsilon };
      const [newMeanSquare, newMoment, newValue] = rmsPropStep(value, meanSquare!, moment!, gradient, attrs);
      meanSquare!.assign(newMeanSquare);
      moment!.assign(newMoment);
      value.assign(newValue);
    });
    self.incrementIterations();
  };
}

/** Name of tensorcell's fused SGD-with-momentum kernel (registered on wasm). */
export const MOMENTUM_STEP = "TensorcellMomentumStep";

/** MOMENTUM_STEP's attributes: the optimizer's hyperparameters. */
export interface MomentumStepAttrs {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
}

/**
 * One step of SGD with momentum of `value` with `gradient`: [accumulation, value] after
 * it. acc' = m·acc + g; value' = -lr·acc' + value, or with Nesterov
 * value' = -lr·(g + acc'·m) + value (tfjs-core's formula).
 */
export function momentumStep(value: tf.Tensor, accumulation: tf.Tensor, gradient: tf.Tensor, attrs: MomentumStepAttrs): [tf.Tensor, tf.Tensor] {
  const fused = [value, accumulation, gradient].every((t) => t.dtype === "float32" && t.size === value.size) && tf.getKernel(MOMENTUM_STEP, tf.getBackend());
  if (fused) {
    const inputs = { value, accumulation, gradient } as unknown as tf.NamedTensorMap;
    return tf.engine().runKernel(MOMENTUM_STEP, inputs, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor, tf.Tensor];
  }
  return composedMomentumStep(value, accumulation, gradient, attrs);
}

/** momentumStep from tf ops, as tfjs-core's MomentumOptimizer computes it. */
export function composedMomentumStep(value: tf.Tensor, accumulation: tf.Tensor, gradient: tf.Tensor, a: MomentumStepAttrs): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const m = tf.scalar(a.momentum);
    const c = tf.scalar(-a.learningRate);
    const newAccumulation = tf.add(tf.mul(m, accumulation), gradient);
    const step = a.useNesterov ? tf.add(gradient, tf.mul(newAccumulation, m)) : newAccumulation;
    return [newAccumulation, tf.add(tf.mul(c, step), value)];
  });
}

/** The fields of tfjs-core's MomentumOptimizer that its update reads (protected in its typings). */
interface MomentumInternals {
  learningRate: number;
  momentum: number;
  useNesterov: boolean;
  accumulations: Accumulator[];
  incrementIterations(): void;
}

let momentumInstalled = false;

/**
 * Makes tf.train.momentum's update use momentumStep. Accumulators keep tfjs's names and
 * order, so optimizer weights save and load as before. Installed once per process by
 * initBackend.
 */
export function installFusedMomentum(): void {
  if (momentumInstalled) return;
  momentumInstalled = true;
  tf.MomentumOptimizer.prototype.applyGradients = function applyFusedMomentum(
    this: tf.MomentumOptimizer, variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    const self = this as unknown as MomentumInternals;
    updateEachVariable(variableGradients, [{ list: self.accumulations, suffix: "momentum" }], (value, gradient, [accumulation]) => {
      const attrs = { learningRate: self.learningRate, momentum: self.momentum, useNesterov: self.useNesterov };
      const [newAccumulation, newValue] = momentumStep(value, accumulation!, gradient, attrs);
      accumulation!.assign(newAccumulation);
      value.assign(newValue);
    });
    self.incrementIterations();
  };
}
