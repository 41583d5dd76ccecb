/**
 * Optimizer wrappers from the training-technique papers, reached in cells as
 * `tensorcell.optimizers` (and `import { optimizers } from "tensorcell"`);
 * each returns a tf.Optimizer for `model.compile({ optimizer })` or a custom loop.
 */
import { withGradientNoise } from "./gradient_noise.js";

export { GradientNoiseOptimizer, type GradientNoiseOptions } from "./gradient_noise.js";

/** Optimizer wrappers (`tensorcell.optimizers` in cells). */
export const optimizers = {
  /**
   * Wraps a tf.Optimizer so every step adds Gaussian noise of variance
   * eta / (1 + t)^gamma to the gradients (Neelakantan et al. 2015, "Adding
   * Gradient Noise Improves Learning for Very Deep Networks"; defaults eta
   * 0.01, gamma 0.55). Seeded: the same `seed` gives the same noise.
   * @example net.compile({ optimizer: tensorcell.optimizers.withGradientNoise(tf.train.sgd(0.1), { eta: 0.3, seed: 1 }), loss: "categoricalCrossentropy" });
   */
  withGradientNoise,
};
