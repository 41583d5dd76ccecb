/**
 * Same-process A/B of the fused training batch norm (lib/layers/batch_norm.ts):
 * two copies of a library model, one as built (fused) and one whose
 * BatchNormalization layers run tfjs-layers' own call, trained in alternating
 * rounds (on, off, off, on, ...) on the wasm backend as the kernel starts it.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/batchnorm-ab.ts [model=resnet20] [rounds=4] [steps=3]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { FusedTrainingBatchNorm } from "../../lib/layers/batch_norm.js";
import { compiledModel } from "./tfjs-throughput.js";

const info = await initBackend("wasm");
const name = process.argv[2] ?? "resnet20";
const rounds = Number(process.argv[3] ?? 4);
const steps = Number(process.argv[4] ?? 3);
const batch = 64;

const fused = compiledModel(name, tf.train.momentum(0.1, 0.9));
const unfused = compiledModel(name, tf.train.momentum(0.1, 0.9));
// tfjs-layers' own call on this copy's layers (an own property shadows the class's).
const tfjsCall = Object.getPrototypeOf(FusedTrainingBatchNorm.prototype).call as tf.layers.Layer["call"];
let replaced = 0;
for (const layer of unfused.layers) {
  if (layer instanceof FusedTrainingBatchNorm) {
    layer.call = tfjsCall.bind(layer);
    replaced++;
  }
}
if (replaced === 0) throw new Error(`${name} has no fused batch-norm layers: nothing to compare`);

const [, height, width, channels] = fused.inputs[0]!.shape as number[];
const classes = (fused.outputs[0]!.shape as number[])[1]!;
const x = tf.randomNormal([batch, height!, width!, channels!]);
const y = tf.oneHot(tf.randomUniform([batch], 0, classes, "int32"), classes);

/** Median ms of `steps` training steps of `model`, after one warm-up step. */
async function time(model: tf.LayersModel): Promise<number> {
  await model.trainOnBatch(x, y);
  const times: number[] = [];
  for (let i = 0; i < steps; i++) {
    const t0 = performance.now();
    await model.trainOnBatch(x, y);
    times.push(performance.now() - t0);
  }
  return times.sort((a, b) => a - b)[Math.floor(times.length / 2)]!;
}

console.log(`${name}, batch ${batch}, wasm ${info.threads} thread(s), ${replaced} batch-norm layers, ${rounds} rounds of ${steps} timed steps per copy`);
const results = { on: [] as number[], off: [] as number[] };
for (let round = 0; round < rounds; round++) {
  for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
    const ms = await time(on ? fused : unfused);
    results[on ? "on" : "off"].push(ms);
    console.log(`  round ${round + 1} ${on ? "fused" : "tfjs "}: ${ms.toFixed(1)} ms/step`);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
console.log(`training step: fused ${median(results.on).toFixed(1)} ms, tfjs ${median(results.off).toFixed(1)} ms, tfjs/fused ${(median(results.off) / median(results.on)).toFixed(2)}x`);
