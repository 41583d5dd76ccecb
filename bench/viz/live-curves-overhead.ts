/**
 * Overhead of viz.liveCurves on training time. Trains the same small MLP on
 * synthetic MNIST-shaped data (784 -> 128 -> 10, batch 64) with no callback,
 * with a no-op callback (the cost tfjs adds for any callback) and with
 * liveCurves, interleaving the runs; prints median seconds per run and ratios.
 * The display host is a sink (as the kernel's, minus ZeroMQ): the full bundle,
 * SVG included, is built on every update.
 *
 * Run: npx esbuild bench/viz/live-curves-overhead.ts --bundle --platform=node --format=esm \
 *        --packages=external --outfile=node_modules/.cache/bench/live-curves.mjs && node node_modules/.cache/bench/live-curves.mjs [wasm|cpu]
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setHost } from "../../lib/display/host.js";
import { LiveCurves } from "../../lib/viz/curves.js";

const backend = process.argv[2] ?? "wasm";
await tf.setBackend(backend);
await tf.ready();

let messages = 0;
let bytes = 0;
setHost({
  display(message) {
    messages++;
    if (message.type !== "clear_output") bytes += String(message.data["image/svg+xml"] ?? "").length;
  },
  input: () => Promise.reject(new Error("no input in benchmarks")),
  registerCommTarget() {},
  interrupted: () => false,
});

const examples = 64 * 150;
const xs = tf.randomUniform([examples, 784]);
const ys = tf.oneHot(tf.randomUniform([examples], 0, 10, "int32"), 10);

function buildModel(): tf.LayersModel {
  const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 128, activation: "relu" }), tf.layers.dense({ units: 10, activation: "softmax" })] });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

type Variant = "none" | "noop" | "live";
async function run(variant: Variant): Promise<{ seconds: number; updates: number; renderSeconds: number }> {
  const model = buildModel();
  const live = variant === "live" ? new LiveCurves() : undefined;
  const callbacks = variant === "noop" ? new (class extends tf.Callback {})() : live;
  const started = performance.now();
  await model.fit(xs, ys, { epochs: 3, batchSize: 64, validationSplit: 0.1, verbose: 0, callbacks });
  const seconds = (performance.now() - started) / 1000;
  model.dispose();
  return { seconds, updates: live?.updates ?? 0, renderSeconds: (live?.renderMilliseconds ?? 0) / 1000 };
}

const rounds = Number(process.env.ROUNDS ?? 5);
const times: Record<Variant, number[]> = { none: [], noop: [], live: [] };
const updates: number[] = [];
const renderShares: number[] = [];
await run("none"); // warm-up (kernels, JIT, vega)
await run("live");
for (let round = 0; round < rounds; round++) {
  for (const variant of ["none", "noop", "live"] as const) {
    const result = await run(variant);
    times[variant].push(result.seconds);
    if (variant === "live") {
      updates.push(result.updates);
      renderShares.push(result.renderSeconds / result.seconds);
    }
  }
}
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const batches = Math.ceil((examples * 0.9) / 64) * 3;
console.log(`backend ${backend}, ${batches} batches per run, ${rounds} interleaved rounds`);
for (const variant of ["none", "noop", "live"] as const) {
  console.log(`${variant.padEnd(5)} median ${median(times[variant]).toFixed(3)} s  (runs: ${times[variant].map((t) => t.toFixed(3)).join(", ")})`);
}
console.log(`liveCurves updates per run: ${updates.join(", ")}; mean SVG size ${(bytes / Math.max(messages, 1) / 1024).toFixed(0)} KiB`);
console.log(`time inside liveCurves rendering / run time: ${renderShares.map((r) => (100 * r).toFixed(2) + "%").join(", ")}`);
console.log(`ratio live/none  ${(median(times.live) / median(times.none)).toFixed(4)}`);
console.log(`ratio live/noop  ${(median(times.live) / median(times.noop)).toFixed(4)}`);
