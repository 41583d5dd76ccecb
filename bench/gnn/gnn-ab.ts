/**
 * Same-process A/B of the GNN message-passing path on wasm: a node model's
 * training epochs (fitNodeClassifier, full graph, dropout on) and full-graph
 * inference on the Cora-sized synthetic graph, with tensorcell's row kernels
 * and hashed dropout ("on") and with what ran before them ("off"), alternating
 * in rounds (on, off, off, on, ...) inside one process.
 *
 * What is toggled (the last argument picks a part; default all):
 *  - rows: GatherV2 and ScatterNd on tensorcell's kernels / tfjs's native ones;
 *  - matmul: products on tensorcell's kernel (Aᵀ·B, and since the product kernel became
 *    one, plain products with new weights) / tfjs's kernel and the transpose-then-XNNPACK path;
 *  - dropout: the library's hashed-mask Dropout / tfjs-layers' tf.dropout
 *    (seedrandom in JavaScript).
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/gnn/gnn-ab.ts [model=gcn] [rounds=4] [epochs=10] [parts=rows,matmul,dropout]
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { syntheticCitationGraph } from "../../lib/data/graphs.js";
import { HashedMaskDropout } from "../../lib/layers/dropout.js";
import { fitNodeClassifier, predictNodes } from "../../lib/models/graph_training.js";
import { models } from "../../lib/models/index.js";
import { matMulWithoutProductKernel, useKernels } from "../train/kernel-swap.js";

const modelName = process.argv[2] ?? "gcn";
const rounds = Number(process.argv[3] ?? 4);
const epochs = Number(process.argv[4] ?? 10);
const parts = (process.argv[5] ?? "rows,matmul,dropout").split(",");
const ROW_KERNELS = parts.includes("rows") ? ["GatherV2", "ScatterNd"] : [];

// tfjs's own configs, captured before initBackend registers tensorcell's.
const tfjsKernels = new Map(ROW_KERNELS.map((name) => [name, tf.getKernel(name, "wasm")!]));
const nativeMatMul = tf.getKernel("BatchMatMul", "wasm")!;
const info = await initBackend("wasm");
const ours = new Map([...ROW_KERNELS, "BatchMatMul"].map((name) => [name, tf.getKernel(name, "wasm")!]));
// Before tensorcell's Aᵀ·B kernel: every transposed product went through matMulWithoutTransposeFlags.
const transposePathMatMul = matMulWithoutProductKernel(nativeMatMul);
const hashedCall = HashedMaskDropout.prototype.call;
const tfjsDropoutCall = (Object.getPrototypeOf(HashedMaskDropout.prototype) as { call: typeof hashedCall }).call;

/** Puts tensorcell's parts in (on) or the earlier ones (off). */
function use(on: boolean): void {
  const configs: tf.KernelConfig[] = ROW_KERNELS.map((name) => (on ? ours : tfjsKernels).get(name)!);
  if (parts.includes("matmul")) configs.push(on ? ours.get("BatchMatMul")! : transposePathMatMul);
  useKernels(configs);
  if (parts.includes("dropout")) HashedMaskDropout.prototype.call = on ? hashedCall : tfjsDropoutCall;
}

const graph = syntheticCitationGraph({ seed: 0 });
const model = models.create(modelName, { inputShape: [graph.numFeatures], numClasses: graph.numClasses });
const fit = (n: number) => fitNodeClassifier(model, graph, { epochs: n, valMask: new Int32Array(0) });
const infer = async () => {
  const probabilities = predictNodes(model, graph);
  await probabilities.data();
  probabilities.dispose();
};

/** ms per epoch of one fit of `epochs` epochs, and the median ms of 5 inference passes, after warm-up. */
async function measure(): Promise<{ train: number; infer: number }> {
  await fit(1);
  const t0 = performance.now();
  await fit(epochs);
  const train = (performance.now() - t0) / epochs;
  await infer();
  const passes: number[] = [];
  for (let i = 0; i < 5; i++) {
    const t1 = performance.now();
    await infer();
    passes.push(performance.now() - t1);
  }
  return { train, infer: passes.sort((a, b) => a - b)[2]! };
}

console.log(`${modelName} on syntheticCitationGraph({ seed: 0 }), wasm ${info.threads} thread(s), ${rounds} rounds, ${epochs} epochs per setting; toggled: ${parts.join(", ")}`);
const results = { on: { train: [] as number[], infer: [] as number[] }, off: { train: [] as number[], infer: [] as number[] } };
for (let round = 0; round < rounds; round++) {
  for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
    use(on);
    const m = await measure();
    const key = on ? "on" : "off";
    results[key].train.push(m.train);
    results[key].infer.push(m.infer);
    console.log(`  round ${round + 1}, ${key}: epoch ${m.train.toFixed(1)} ms, inference ${m.infer.toFixed(1)} ms`);
  }
}
use(true);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const [trainOff, trainOn, inferOff, inferOn] = [results.off.train, results.on.train, results.off.infer, results.on.infer].map(median) as [number, number, number, number];
console.log(`| ${modelName}, ${info.threads} thread(s) | ${trainOff.toFixed(1)} / ${trainOn.toFixed(1)} = ${(trainOff / trainOn).toFixed(2)}x | ${inferOff.toFixed(1)} / ${inferOn.toFixed(1)} = ${(inferOff / inferOn).toFixed(2)}x |`);
