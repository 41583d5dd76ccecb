/**
 * Annealed Gaussian gradient noise (Neelakantan et al. 2015, "Adding Gradient
 * Noise Improves Learning for Very Deep Networks"): at step t every gradient
 * gets noise N(0, sigma_t^2) with sigma_t^2 = eta / (1 + t)^gamma before the
 * wrapped optimizer applies it. The paper uses eta in {0.01, 0.3, 1.0} and
 * gamma = 0.55. The noise is drawn from `seed`, so the same seed (and the same
 * initial weights and batches) gives the same run.
 */
import * as tf from "@tensorflow/tfjs";
import { assertSeed, deriveSeed } from "../repro/random.js";
import { nextSeed } from "../repro/seed.js";

/** Options of `optimizers.withGradientNoise`. */
export interface GradientNoiseOptions {
  /** Noise variance at step 0 (the paper's eta). Default 0.01. */
  eta?: number;
  /** Decay exponent of the variance, eta / (1 + t)^gamma. Default 0.55 (the paper's). */
  gamma?: number;
  /** Integer seed of the noise. Default: drawn from `seed(n)`'s stream when the run is seeded, else random. */
  seed?: number;
}

const WHERE = "optimizers.withGradientNoise";

/** A named tensor as tf.Optimizer passes them (tfjs-core's NamedTensor, not re-exported by @tensorflow/tfjs). */
type NamedTensor = { name: string; tensor: tf.Tensor };

/** A tf.Optimizer that adds annealed Gaussian noise to the gradients, then lets `inner` apply them. */
export class GradientNoiseOptimizer extends tf.Optimizer {
  /** Serialization name. */
  static className = "GradientNoiseOptimizer";
  /** The optimizer that applies the noisy gradients. */
  readonly inner: tf.Optimizer;
  /** Variance at step 0. */
  readonly eta: number;
  /** Variance decay exponent. */
  readonly gamma: number;
  /** Seed of the noise. */
  readonly seed: number;
  private step = 0;

  constructor(inner: tf.Optimizer, options: Required<GradientNoiseOptions>) {
    super();
    this.inner = inner;
    this.eta = options.eta;
    this.gamma = options.gamma;
    this.seed = options.seed;
  }

  /** The noise standard deviation of step `t`: sqrt(eta / (1 + t)^gamma). */
  noiseStd(t: number): number {
    return Math.sqrt(this.eta / (1 + t) ** this.gamma);
  }

  override applyGradients(variableGradients: tf.NamedTensorMap | NamedTensor[]): void {
    const list = Array.isArray(variableGradients)
      ? variableGradients
      : Object.keys(variableGradients).map((name) => ({ name, tensor: variableGradients[name] }));
    const std = this.noiseStd(this.step);
    const step = this.step;
    const noisy = tf.tidy(() => {
      const map: tf.NamedTensorMap = {};
      list.forEach(({ name, tensor }, i) => {
        const noise = tf.randomNormal(tensor.shape, 0, std, "float32", deriveSeed(this.seed, `step ${step} gradient ${i}`));
        map[name] = tf.add(tensor, noise);
      });
      return map;
    });
    this.inner.applyGradients(noisy);
    tf.dispose(Object.values(noisy));
    this.step += 1;
    this.incrementIterations();
  }

  override dispose(): void {
    this.inner.dispose();
    super.dispose();
  }

  override async getWeights(): Promise<NamedTensor[]> {
    return this.inner.getWeights();
  }

  override async setWeights(weightValues: NamedTensor[]): Promise<void> {
    await this.inner.setWeights(weightValues);
  }

  override getConfig(): tf.serialization.ConfigDict {
    return { eta: this.eta, gamma: this.gamma, seed: this.seed, inner: this.inner.getClassName() };
  }
}

/** Checks the options and wraps `optimizer`. */
export function withGradientNoise(optimizer: tf.Optimizer, options: GradientNoiseOptions = {}): GradientNoiseOptimizer {
  if (!(optimizer instanceof tf.Optimizer)) {
    const hint = typeof optimizer === "string" ? ` (a name such as "${optimizer}" is not enough: pass tf.train.${optimizer}(learningRate))` : "";
    throw new Error(`${WHERE}: the first argument must be a tf.Optimizer such as tf.train.sgd(0.01)${hint}.`);
  }
  if (options === null || typeof options !== "object") throw new Error(`${WHERE}: options must be an object such as { eta: 0.01, gamma: 0.55, seed: 1 }.`);
  const unknown = Object.keys(options).filter((key) => !["eta", "gamma", "seed"].includes(key));
  if (unknown.length) throw new Error(`${WHERE}: unknown option ${unknown.map((k) => `"${k}"`).join(", ")}; it accepts eta, gamma, seed.`);
  const eta = options.eta ?? 0.01;
  if (typeof eta !== "number" || !(eta > 0) || !Number.isFinite(eta)) throw new Error(`${WHERE}: eta (the noise variance at step 0) must be a positive number such as 0.01, got ${JSON.stringify(eta)}.`);
  const gamma = options.gamma ?? 0.55;
  if (typeof gamma !== "number" || !(gamma >= 0) || !Number.isFinite(gamma)) throw new Error(`${WHERE}: gamma (the variance decay exponent) must be a number >= 0 such as 0.55, got ${JSON.stringify(gamma)}.`);
  const seed = options.seed ?? nextSeed();
  try {
    assertSeed(seed, WHERE);
  } catch {
    throw new Error(`${WHERE}: seed must be an integer such as 42, got ${JSON.stringify(seed)}.`);
  }
  return new GradientNoiseOptimizer(optimizer, { eta, gamma, seed });
}
