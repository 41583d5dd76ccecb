// Times single wasm ops on a ResNet-20 stage-1 activation (development aid): ms per call.
// Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/op-costs.ts
import { initBackend, tf } from "../../lib/backend/index.js";

// tfjs's own Relu gradient, captured before initBackend installs tensorcell's (lib/backend/gradients.ts).
const tfjsReluGradient = tf.getGradient("Relu")!;
const info = await initBackend("wasm");
const ourReluGradient = tf.getGradient("Relu")!;
/** `f` computed with Relu's gradient `config`, then tensorcell's put back. */
const withReluGradient = (config: tf.GradConfig, f: () => tf.Tensor) => {
  tf.registerGradient(config);
  try {
    return f();
  } finally {
    tf.registerGradient(ourReluGradient);
  }
};
const reluGradientOf = (a: tf.Tensor) => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), y)))(a);
console.log(`backend ${info.name}, threads ${info.threads ?? "-"}`);
const x = tf.randomNormal([64, 32, 32, 16]) as tf.Tensor4D;
const y = tf.randomNormal([64, 32, 32, 16]) as tf.Tensor4D;
const c = tf.randomNormal([16]);
const v = tf.randomUniform([16], 0.5, 2);
const ops: Record<string, () => tf.Tensor | tf.Tensor[]> = {
  batchNorm: () => tf.batchNorm(x, c, v, c, v, 1e-3),
  "mul [16] broadcast": () => tf.mul(x, c),
  "mul same shape": () => tf.mul(x, y),
  "add same shape": () => tf.add(x, y),
  "sub [16] broadcast": () => tf.sub(x, c),
  relu: () => tf.relu(x),
  "relu gradient (tfjs's: step, multiply)": () => withReluGradient(tfjsReluGradient, () => reluGradientOf(x)),
  "relu gradient (tensorcell's)": () => withReluGradient(ourReluGradient, () => reluGradientOf(x)),
  clone: () => tf.clone(x),
  "sum over 0,1,2": () => tf.sum(x, [0, 1, 2]),
  "mean over 0,1,2": () => tf.mean(x, [0, 1, 2]),
  moments: () => { const m = tf.moments(x, [0, 1, 2]); return [m.mean, m.variance]; },
  "batchNorm gradient": () => tf.grads((a: tf.Tensor, s: tf.Tensor) => tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, c, v, c, s, 1e-3), y)))([x, v]),
  "batchNorm training gradient": () => tf.grads((a: tf.Tensor, s: tf.Tensor) => {
    const m = tf.moments(a, [0, 1, 2]);
    return tf.sum(tf.mul(tf.batchNorm(a as tf.Tensor4D, m.mean, m.variance, c, s, 1e-3), y));
  })([x, v]),
};
for (const [name, op] of Object.entries(ops)) {
  for (let i = 0; i < 3; i++) tf.dispose(op());
  const n = 20;
  const t0 = performance.now();
  for (let i = 0; i < n; i++) {
    // wasm kernels run synchronously: the op has finished when it returns.
    tf.dispose(op());
  }
  console.log(`${((performance.now() - t0) / n).toFixed(3).padStart(8)} ms  ${name}`);
}
