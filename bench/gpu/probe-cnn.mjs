// Reference CNN (mnist-node) on webgpu: forward vs cpu, then training steps, with progress lines.
const t0 = Date.now();
const say = (s) => console.log(`[${((Date.now() - t0) / 1000).toFixed(1)}s] ${s}`);
setTimeout(() => { say("DEADLINE: still waiting; exiting"); process.exit(3); }, 80_000).unref();
const dawn = await import("webgpu");
const d = typeof dawn.create === "function" ? dawn : dawn.default;
Object.assign(globalThis, d.globals);
Object.defineProperty(globalThis, "navigator", { value: { gpu: d.create([]), userAgent: "node" }, configurable: true });
const tf = await import("@tensorflow/tfjs");
await import("@tensorflow/tfjs-backend-webgpu");
function cnn() {
  const m = tf.sequential();
  m.add(tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 32, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.conv2d({ filters: 32, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.conv2d({ filters: 64, kernelSize: 3, activation: "relu" }));
  m.add(tf.layers.maxPooling2d({ poolSize: [2, 2] }));
  m.add(tf.layers.flatten()); m.add(tf.layers.dropout({ rate: 0.25 }));
  m.add(tf.layers.dense({ units: 512, activation: "relu" })); m.add(tf.layers.dropout({ rate: 0.5 }));
  m.add(tf.layers.dense({ units: 10, activation: "softmax" }));
  m.compile({ optimizer: "rmsprop", loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return m;
}
await tf.setBackend("cpu");
const m = cnn();
say(`params ${m.countParams()}`);
const x = tf.randomUniform([64, 28, 28, 1]); const y = tf.oneHot(tf.randomUniform([64], 0, 10, "int32"), 10);
const xs = await x.data(); const ys = await y.data();
const weights = m.getWeights().map((w) => ({ shape: w.shape, data: w.dataSync().slice() }));
const cpuOut = await m.predict(x).data();
await tf.setBackend("webgpu"); await tf.ready();
say(`backend ${tf.getBackend()}`);
const g = cnn();
g.setWeights(weights.map((w) => tf.tensor(w.data, w.shape)));
const xg = tf.tensor(xs, [64, 28, 28, 1]); const yg = tf.tensor(ys, [64, 10]);
const gOut = await g.predict(xg).data();
let maxDiff = 0; for (let i = 0; i < gOut.length; i++) maxDiff = Math.max(maxDiff, Math.abs(gOut[i] - cpuOut[i]));
say(`forward webgpu vs cpu: max |diff| ${maxDiff.toExponential(2)}`);
for (let i = 0; i < 3; i++) { const h = await g.trainOnBatch(xg, yg); say(`train step ${i}: loss ${Array.isArray(h) ? h[0] : h}`); }
let t1 = performance.now(); const steps = 20;
for (let i = 0; i < steps; i++) await g.trainOnBatch(xg, yg);
say(`train: ${(steps * 64 / ((performance.now() - t1) / 1000)).toFixed(0)} img/s (batch 64)`);
const big = tf.randomUniform([256, 28, 28, 1]); await g.predict(big).data();
t1 = performance.now(); for (let i = 0; i < 10; i++) await g.predict(big).data();
say(`infer: ${(10 * 256 / ((performance.now() - t1) / 1000)).toFixed(0)} img/s (batch 256)`);
say("PROBE2 DONE"); process.exit(0);
