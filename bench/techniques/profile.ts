/**
 * models.profile on mnist_cnn and resnet20 (batch 32, wasm): per-layer FLOPs,
 * time, GFLOP/s and arithmetic intensity, and viz.efficiency's model efficiency.
 * Run: npx vite-node bench/techniques/profile.ts
 */
import { loadavg } from "node:os";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { viz } from "../../lib/viz/index.js";

await initBackend("wasm");
for (const [name, shape] of [["mnist_cnn", [28, 28, 1]], ["resnet20", [32, 32, 3]]] as const) {
  const net = models.create(name);
  const x = tf.randomUniform([32, ...shape]);
  const profile = await models.profile(net, x, { runs: 3 });
  const chart = viz.efficiency(profile);
  const top = [...profile.layers].sort((a, b) => b.timeMs - a.timeMs).slice(0, 3);
  console.log(`${name} batch 32, load ${loadavg()[0].toFixed(1)}: ${(profile.total.flops / 1e9).toFixed(3)} GFLOP, summed layer time ${profile.total.timeMs.toFixed(0)} ms, ${profile.total.gflops.toFixed(2)} GFLOP/s overall, model efficiency ${(100 * chart.data.modelEfficiency).toFixed(1)}%, roof ${chart.data.roof.peakGflops.toFixed(2)} GFLOP/s / ${chart.data.roof.bandwidthGBs.toFixed(2)} GB/s`);
  for (const l of top) console.log(`  ${l.name} (${l.className}): ${l.timeMs.toFixed(1)} ms, ${l.gflops.toFixed(2)} GFLOP/s, ${l.intensity.toFixed(1)} FLOP/byte`);
  tf.dispose(x);
  net.dispose();
}
