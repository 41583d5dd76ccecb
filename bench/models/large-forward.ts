/**
 * Builds a registered image model at its default input and runs one forward
 * pass (batch 1) on the wasm backend: prints parameters, build time, forward
 * time (first and second call) and the process's peak resident memory.
 * Default: nasnetalarge (88.75M parameters, 331x331x3).
 *
 * Run: npx vite-node bench/models/large-forward.ts [name=nasnetalarge] [backend=wasm]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { countTrainableParams, models } from "../../lib/models/index.js";

const name = process.argv[2] ?? "nasnetalarge";
const backend = (process.argv[3] ?? "wasm") as "wasm";
const mib = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const peakRss = () => process.resourceUsage().maxRSS * 1024; // maxRSS is in KiB

const info = await initBackend(backend);
if (tf.getBackend() !== backend) throw new Error(`${backend} backend unavailable: ${JSON.stringify(info)}`);
let t0 = performance.now();
const model = models.create(name);
const buildMs = performance.now() - t0;
const { defaultInput } = models.info(name);
console.log(`${name}: ${countTrainableParams(model).toLocaleString("en-US")} params, ${model.layers.length} layers, built in ${(buildMs / 1000).toFixed(1)} s; RSS peak ${mib(peakRss())} MiB`);

const x = tf.randomUniform([1, ...defaultInput]);
for (const run of ["first", "second"]) {
  t0 = performance.now();
  const y = model.predict(x) as tf.Tensor;
  const values = Array.from(await y.data());
  const ms = performance.now() - t0;
  const sum = values.reduce((a, b) => a + b, 0);
  console.log(`forward ${run} [1, ${defaultInput.join(", ")}]: ${(ms / 1000).toFixed(1)} s, output sum ${sum.toFixed(4)}; RSS peak ${mib(peakRss())} MiB, tf tensors ${tf.memory().numTensors}`);
  y.dispose();
}
x.dispose();
model.dispose();
