/**
 * Same-process A/B of tensorcell's fused optimizer steps (lib/backend/optimizer-steps.ts:
 * Adam, RMSProp, SGD with momentum) against tfjs-core's own applyGradients, captured
 * before initBackend installs the fused ones: one applyGradients over every trainable
 * weight of a benchmark model (random gradients), the two methods alternating in rounds.
 * Prints ms per applyGradients (median of rounds) and the ratio.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/optimizer-ab.ts [models=reference,resnet20,vit_tiny_patch4_32] [rounds=4]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { referenceCnn } from "./reference-cnn.js";

type Apply = tf.Optimizer["applyGradients"];
const kinds = {
  adam: { prototype: tf.AdamOptimizer.prototype, make: () => tf.train.adam(1e-3) },
  rmsprop: { prototype: tf.RMSPropOptimizer.prototype, make: () => tf.train.rmsprop(1e-3, 0.9) },
  momentum: { prototype: tf.MomentumOptimizer.prototype, make: () => tf.train.momentum(0.1, 0.9) },
};
const tfjsApply = Object.fromEntries(Object.entries(kinds).map(([name, k]) => [name, k.prototype.applyGradients])) as Record<keyof typeof kinds, Apply>;
const info = await initBackend("wasm");
const fusedApply = Object.fromEntries(Object.entries(kinds).map(([name, k]) => [name, k.prototype.applyGradients])) as Record<keyof typeof kinds, Apply>;

const names = (process.argv[2] ?? "reference,resnet20,vit_tiny_patch4_32").split(",");
const rounds = Number(process.argv[3] ?? 4);
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;

console.log(`wasm, ${info.threads} thread(s); ms per applyGradients over a model's weights (median of ${rounds} rounds of 10)`);
console.log("| model | weights | optimizer | tfjs | tensorcell | tfjs / tensorcell |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const name of names) {
  const model = name === "reference" ? referenceCnn() : models.create(name);
  const shapes = model.trainableWeights.map((w) => w.shape as number[]);
  const count = shapes.reduce((sum, s) => sum + tf.util.sizeFromShape(s), 0);
  model.dispose();
  for (const [kind, k] of Object.entries(kinds) as [keyof typeof kinds, (typeof kinds)[keyof typeof kinds]][]) {
    const times: Record<"tfjs" | "fused", number[]> = { tfjs: [], fused: [] };
    for (let r = 0; r < rounds; r++) {
      for (const arm of r % 2 === 0 ? (["fused", "tfjs"] as const) : (["tfjs", "fused"] as const)) {
        k.prototype.applyGradients = arm === "fused" ? fusedApply[kind] : tfjsApply[kind];
        const variables = shapes.map((s, i) => tf.variable(tf.randomNormal(s), true, `optimizer-ab/${r}/${arm}/${i}`));
        const gradients = variables.map((v) => ({ name: v.name, tensor: tf.randomNormal(v.shape) }));
        const optimizer = k.make();
        for (let i = 0; i < 3; i++) optimizer.applyGradients(gradients);
        await variables[0]!.data();
        const t0 = performance.now();
        for (let i = 0; i < 10; i++) optimizer.applyGradients(gradients);
        await variables[variables.length - 1]!.data();
        times[arm].push((performance.now() - t0) / 10);
        optimizer.dispose();
        tf.dispose([...variables, ...gradients.map((g) => g.tensor)]);
      }
    }
    k.prototype.applyGradients = fusedApply[kind];
    const [t, f] = [median(times.tfjs), median(times.fused)];
    console.log(`| ${name} | ${count.toLocaleString("en-US")} | ${kind} | ${t.toFixed(2)} | ${f.toFixed(2)} | ${(t / f).toFixed(2)}x |`);
  }
}
