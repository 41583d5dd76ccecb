/**
 * Same-process A/B of keeping Winograd-domain filters for weights used again
 * (lib/backend/wasm/derived-data.ts, winograd-conv.ts's transformedFilters): inference
 * batches of one model with the cache on and off (its budget set to 0), alternating in
 * rounds (on, off, off, on, ...), at batch 1 (one image, as the explanation helpers and
 * interactive cells predict) and batch 64. Also checks that both arms give the same bits.
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/filter-cache-ab.ts [model=resnet20|reference] [rounds=6] [calls=20]
 */
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { transformedFilters } from "../../lib/backend/wasm/winograd-conv.js";
import { referenceCnn } from "./reference-cnn.js";
import { medianMs } from "./model-steps.js";
import { compiledModel } from "./tfjs-throughput.js";

const info = await initBackend("wasm");
const name = process.argv[2] ?? "resnet20";
const rounds = Number(process.argv[3] ?? 6);
const calls = Number(process.argv[4] ?? 20);
const model = name === "reference" ? referenceCnn() : compiledModel(name, tf.train.momentum(0.1, 0.9));
const budget = transformedFilters.budgetBytes;
const [, height, width, channels] = model.inputs[0]!.shape as number[];

/** Sets the cache on (its default budget) or off (budget 0, and what it kept freed). */
function use(on: boolean): void {
  transformedFilters.budgetBytes = on ? budget : 0;
  if (!on) transformedFilters.clear();
}

console.log(`${name}, wasm at ${info.threads} thread(s), ${rounds} rounds of ${calls} predicts per arm (median ms per predict)`);
console.log("| batch | cache on | cache off | off / on | kept MiB | same bits |");
console.log("| --- | --- | --- | --- | --- | --- |");
for (const batch of [1, 64]) {
  const x = tf.randomNormal([batch, height!, width!, channels!]);
  const predict = async () => {
    const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
    await out.data();
    out.dispose();
  };
  const outputs: Float32Array[] = [];
  for (const on of [true, false]) {
    use(on);
    await predict();
    const out = model.predict(x, { batchSize: batch }) as tf.Tensor;
    outputs.push((await out.data()) as Float32Array);
    out.dispose();
  }
  const times: Record<"on" | "off", number[]> = { on: [], off: [] };
  let kept = 0;
  for (let r = 0; r < rounds; r++) {
    for (const on of r % 2 === 0 ? [true, false] : [false, true]) {
      use(on);
      times[on ? "on" : "off"].push(await medianMs(predict, calls));
      if (on) kept = transformedFilters.bytes;
    }
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  const [on, off] = [median(times.on), median(times.off)];
  const same = outputs[0]!.every((v, i) => Object.is(v, outputs[1]![i]));
  console.log(`| ${batch} | ${on.toFixed(2)} | ${off.toFixed(2)} | ${(off / on).toFixed(2)}x | ${(kept / 1024 ** 2).toFixed(2)} | ${same ? "yes" : "NO"} |`);
  x.dispose();
}
