/**
 * RMSProp's and Adam's update of one variable as one kernel instead of about a dozen
 * tensor ops, and SGD with momentum's instead of four.
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
 * 2 threads, mostly the cost of calling 236 ops. ADAM_STEP does it for tf.train.adam (eleven
 * ops per variable).
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
  return fusedOrComposed(RMSPROP_STEP, { value, meanSquare, moment, gradient }, {}, attrs, () => composedRmsPropStep(value, meanSquare, moment, gradient, attrs));
}

/**
 * The fused optimizer kernel `kernel` on `tensors` (float32, each of `tensors.value`'s size)
 * and `scalars` (float32, one element each) when the current backend has it; else `composed()`.
 */
function fusedOrComposed<T extends tf.Tensor[]>(
  kernel: string, tensors: Record<string, tf.Tensor> & { value: tf.Tensor }, scalars: Record<string, tf.Tensor>, attrs: object, composed: () => T,
): T {
  const fits = Object.values(tensors).every((t) => t.dtype === "float32" && t.size === tensors.value.size)
    && Object.values(scalars).every((t) => t.dtype === "float32" && t.size === 1);
  if (!fits || !tf.getKernel(kernel, tf.getBackend())) return composed();
  return tf.engine().runKernel(kernel, { ...tensors, ...scalars } as unknown as tf.NamedTensorMap, attrs as unknown as tf.NamedAttrMap) as unknown as T;
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
  return fusedOrComposed(MOMENTUM_STEP, { value, accumulation, gradient }, {}, attrs, () => composedMomentumStep(value, accumulation, gradient, attrs));
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

/** Name of tensorcell's fused Adam kernel (registered on wasm). */
export const ADAM_STEP = "TensorcellAdamStep";

/** ADAM_STEP's attributes: the optimizer's hyperparameters. */
export interface AdamStepAttrs {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
}

/**
 * One Adam step of `value` with `gradient`: [first moment, second moment, value] after it.
 * m' = m·β1 + g·(1 - β1); v' = v·β2 + g²·(1 - β2);
 * value' = (m' / c1) / (√(v' / c2) + ε)·(-lr) + value, where the scalar tensors
 * c1 = 1 - β1ᵗ and c2 = 1 - β2ᵗ are the bias corrections (tfjs-core's formula; tensors,
 * so that no backend reads them back to compute a step).
 */
export function adamStep(
  value: tf.Tensor, firstMoment: tf.Tensor, secondMoment: tf.Tensor, gradient: tf.Tensor, c1: tf.Tensor, c2: tf.Tensor, attrs: AdamStepAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return fusedOrComposed(ADAM_STEP, { value, firstMoment, secondMoment, gradient }, { c1, c2 }, attrs,
    () => composedAdamStep(value, firstMoment, secondMoment, gradient, c1, c2, attrs));
}

/** adamStep from tf ops, as tfjs-core's AdamOptimizer computes it. */
export function composedAdamStep(
  value: tf.Tensor, firstMoment: tf.Tensor, secondMoment: tf.Tensor, gradient: tf.Tensor, c1: tf.Tensor, c2: tf.Tensor, a: AdamStepAttrs,
): [tf.Tensor, tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const newFirstMoment = tf.add(tf.mul(firstMoment, a.beta1), tf.mul(gradient, 1 - a.beta1));
    const newSecondMoment = tf.add(tf.mul(secondMoment, a.beta2), tf.mul(tf.square(gradient), 1 - a.beta2));
    const step = tf.div(tf.div(newFirstMoment, c1), tf.add(tf.sqrt(tf.div(newSecondMoment, c2)), a.epsilon));
    return [newFirstMoment, newSecondMoment, tf.add(tf.mul(step, -a.learningRate), value)];
  });
}

/** The fields of tfjs-core's AdamOptimizer that its update reads (protected in its typings). */
interface AdamInternals {
  learningRate: number;
  beta1: number;
  beta2: number;
  epsilon: number;
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: Accumulator[];
  accumulatedSecondMoment: Accumulator[];
  incrementIterations(): void;
}

let adamInstalled = false;

/**
 * Makes tf.train.adam's update use adamStep. Accumulators keep tfjs's names and order and
 * β1ᵗ, β2ᵗ advance as tfjs advances them, so optimizer weights save and load as before.
 * Installed once per process by initBackend.
 */
export function installFusedAdam(): void {
  if (adamInstalled) return;
  adamInstalled = true;
  tf.AdamOptimizer.prototype.applyGradients = function applyFusedAdam(
    this: tf.AdamOptimizer, variableGradients: tf.NamedTensorMap | { name: string; tensor: tf.Tensor }[],
  ): void {
    const self = this as unknown as AdamInternals;
    tf.tidy(() => {
      const c1 = tf.sub(1, self.accBeta1);
      const c2 = tf.sub(1, self.accBeta2);
      const slots = [{ list: self.accumulatedFirstMoment, suffix: "m" }, { list: self.accumulatedSecondMoment, suffix: "v" }];
      updateEachVariable(variableGradients, slots, (value, gradient, [firstMoment, secondMoment]) => {
        const attrs = { learningRate: self.learningRate, beta1: self.beta1, beta2: self.beta2, epsilon: self.epsilon };
        const [newFirstMoment, newSecondMoment, newValue] = adamStep(value, firstMoment!, secondMoment!, gradient, c1, c2, attrs);
        firstMoment!.assign(newFirstMoment);
        secondMoment!.assign(newSecondMoment);
        value.assign(newValue);
      });
      self.accBeta1.assign(tf.mul(self.accBeta1, self.beta1));
      self.accBeta2.assign(tf.mul(self.accBeta2, self.beta2));
    });
    self.incrementIterations();
  };
}
