/**
 * Fixes for tfjs-core optimizers, installed once per process by initBackend
 * (every backend): tensor leaks that would otherwise break "a training run and
 * a cell re-run leave tf.memory().numTensors where it was", and RMSProp's, Adam's and
 * SGD with momentum's updates as one kernel each (optimizer-steps.ts).
 */
import * as tf from "@tensorflow/tfjs";
import { installFusedAdam, installFusedMomentum, installFusedRmsProp } from "./optimizer-steps.js";

let installed = false;

/**
 * Installs the optimizer fixes once per process (MomentumOptimizer.dispose, the fused
 * RMSProp, momentum and Adam updates). Call after tfjs is loaded; initBackend() does it for you.
 */
export function installOptimizerFixes(): void {
  if (installed) return;
  fixMomentumOptimizerDispose();
  installFusedRmsProp();
  installFusedMomentum();
  installFusedAdam();
  installed = true;
}

/**
 * tfjs-core 4.22's MomentumOptimizer.dispose() frees its accumulators and its
 * momentum scalar `m` but not the learning-rate scalar `c` that its parent
 * SGDOptimizer keeps (it overrides SGDOptimizer.dispose without calling it):
 * one tensor leaked per tf.train.momentum optimizer. Wrap it to free `c` too.
 */
function fixMomentumOptimizerDispose(): void {
  const prototype = tf.MomentumOptimizer.prototype;
  const originalDispose = prototype.dispose;
  prototype.dispose = function disposeWithLearningRate(this: tf.MomentumOptimizer): void {
    originalDispose.call(this);
    // `c` is SGDOptimizer's protected scalar -learningRate (set by setLearningRate).
    const learningRate = (this as unknown as { c?: tf.Tensor }).c;
    if (learningRate != null && !learningRate.isDisposed) learningRate.dispose();
  };
}
