/**
 * A/B of two training fixes on the CIFAR ResNet-20 (batch 64, SGD momentum,
 * wasm, one process): tfjs-core's own FusedBatchNorm gradient (Tile of
 * 1/sqrt(var) to the activation) against tensorcell's broadcasting override,
 * and ZeroPadShortcut's earlier pad + 6-D reshape + slice subsample against the
 * 1x1 strided AvgPool it now uses. The four combinations are interleaved
 * round by round (so load drift hits them alike); the best round of each is
 * printed, by wall clock and by this process's CPU time. Then the same for
 * inference (predict) with the old and the new shortcut.
 *
 * Run: npx vite-node bench/train/ab-resnet20.ts [rounds=3] [stepsPerRound=2]
 */
import { loadavg } from "node:os";
import * as tfjs from "@tensorflow/tfjs";
import { initBackend, tf } from "../../lib/backend/index.js";
import { fusedBatchNormGradient } from "../../lib/backend/gradients.js";
import { ZeroPadShortcut } from "../../lib/layers/shortcut.js";
import { models } from "../../lib/models/index.js";

const rounds = Number(process.argv[2] ?? 3);
const stepsPerRound = Number(process.argv[3] ?? 2);
const BATCH = 64;

// tfjs's own gradient, captured before initBackend installs the override.
const tfjsBatchNormGradient = tfjs.getGradient("FusedBatchNorm");
if (!tfjsBatchNormGradient) throw new Error("tfjs has no FusedBatchNorm gradient registered; cannot compare.");

const info = await initBackend("wasm");
if (info.name !== "wasm") throw new Error(`wasm backend unavailable (${info.reason}).`);

/** The subsample ZeroPadShortcut used before: pad to a multiple of s, view as [size / s, s], keep offset 0. */
function oldSubsample(x: tf.Tensor4D, s: number): tf.Tensor4D {
  if (s === 1) return x;
  const [batch, height, width, channels] = x.shape;
  const outH = Math.ceil(height / s);
  const outW = Math.ceil(width / s);
  const padded = tf.pad(x, [[0, 0], [0, outH * s - height], [0, outW * s - width], [0, 0]]);
  const grouped = tf.reshape(padded, [batch, outH, s, outW, s, channels]);
  const kept = tf.slice(grouped, [0, 0, 0, 0, 0, 0], [batch, outH, 1, outW, 1, channels]);
  return tf.reshape(kept, [batch, outH, outW, channels]);
}

const newCall = ZeroPadShortcut.prototype.call;
/** ZeroPadShortcut.call with the old subsample (same padding of channels as the layer). */
function oldCall(this: ZeroPadShortcut, inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return tf.tidy(() => {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const extra = this.outChannels - x.shape[3];
    const before = Math.floor(extra / 2);
    return tf.pad(oldSubsample(x, this.stride), [[0, 0], [0, 0], [0, 0], [before, extra - before]]);
  });
}

const model = models.create("resnet20");
model.compile({ optimizer: tf.train.momentum(0.1, 0.9), loss: "categoricalCrossentropy" });
const x = tf.randomUniform([BATCH, 32, 32, 3]);
const y = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 10, "int32"), 10));

// Same values either way (checked once here, besides the unit tests): one predict under each shortcut.
const predictWith = (call: typeof newCall) => {
  ZeroPadShortcut.prototype.call = call;
  return tf.tidy(() => Float32Array.from((model.predict(x) as tf.Tensor).dataSync()));
};
const [a, b] = [predictWith(oldCall), predictWith(newCall)];
console.log(`old vs new shortcut, predict max |diff|: ${a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0)}`);

const variants = [
  { name: "tfjs BN gradient, old shortcut", bn: tfjsBatchNormGradient, call: oldCall },
  { name: "tfjs BN gradient, new shortcut", bn: tfjsBatchNormGradient, call: newCall },
  { name: "override BN gradient, old shortcut", bn: fusedBatchNormGradient, call: oldCall },
  { name: "override BN gradient, new shortcut (now)", bn: fusedBatchNormGradient, call: newCall },
];
const best = variants.map(() => ({ wall: Infinity, cpu: Infinity }));
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}; ${rounds} rounds of ${stepsPerRound} steps each, batch ${BATCH}`);
for (let round = 0; round <= rounds; round++) {
  for (const [i, variant] of variants.entries()) {
    tf.registerGradient(variant.bn);
    ZeroPadShortcut.prototype.call = variant.call;
    await model.trainOnBatch(x, y); // warm-up for this variant (round 0 is only warm-up)
    if (round === 0) continue;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let s = 0; s < stepsPerRound; s++) await model.trainOnBatch(x, y);
    const wall = (performance.now() - t0) / stepsPerRound;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1000 / stepsPerRound;
    best[i] = { wall: Math.min(best[i].wall, wall), cpu: Math.min(best[i].cpu, cpu) };
  }
}
tf.registerGradient(fusedBatchNormGradient);
ZeroPadShortcut.prototype.call = newCall;
console.log("| variant | ms/step (wall / CPU), best round | img/s (wall / CPU) |\n| --- | --- | --- |");
variants.forEach((variant, i) => {
  const { wall, cpu } = best[i];
  console.log(`| ${variant.name} | ${wall.toFixed(0)} / ${cpu.toFixed(0)} | ${((BATCH * 1000) / wall).toFixed(1)} / ${((BATCH * 1000) / cpu).toFixed(1)} |`);
});

const shortcuts = [{ name: "old shortcut", call: oldCall }, { name: "new shortcut (now)", call: newCall }];
const bestPredict = shortcuts.map(() => ({ wall: Infinity, cpu: Infinity }));
for (let round = 0; round <= rounds; round++) {
  for (const [i, shortcut] of shortcuts.entries()) {
    ZeroPadShortcut.prototype.call = shortcut.call;
    const predict = async () => {
      const out = model.predict(x) as tf.Tensor;
      await out.data();
      out.dispose();
    };
    await predict();
    if (round === 0) continue;
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let s = 0; s < stepsPerRound; s++) await predict();
    const wall = (performance.now() - t0) / stepsPerRound;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1000 / stepsPerRound;
    bestPredict[i] = { wall: Math.min(bestPredict[i].wall, wall), cpu: Math.min(bestPredict[i].cpu, cpu) };
  }
}
ZeroPadShortcut.prototype.call = newCall;
console.log("| predict | ms/batch (wall / CPU), best round | img/s (wall / CPU) |\n| --- | --- | --- |");
shortcuts.forEach((shortcut, i) => {
  const { wall, cpu } = bestPredict[i];
  console.log(`| ${shortcut.name} | ${wall.toFixed(0)} / ${cpu.toFixed(0)} | ${((BATCH * 1000) / wall).toFixed(0)} / ${((BATCH * 1000) / cpu).toFixed(0)} |`);
});
console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
model.optimizer.dispose();
model.dispose();
tf.dispose([x, y]);
