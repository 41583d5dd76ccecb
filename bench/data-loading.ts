/**
 * Data-loading figures: MNIST parsing (cold and cached), one shuffled epoch of
 * data.batches at batch 64, and synthetic shapes generation, printed next to
 * the same steps in PyTorch (bench/data_loading_reference.py: numpy idx
 * parsing and torch.utils.data.DataLoader), run in the same process call.
 *
 * Run: npx esbuild bench/data-loading.ts --bundle --platform=node --format=esm \
 *        --packages=external --outfile=node_modules/.cache/bench/data-loading.mjs \
 *      && node node_modules/.cache/bench/data-loading.mjs
 */
import * as tf from "@tensorflow/tfjs";
import { execFileSync } from "node:child_process";
import { data, mnistDataDir } from "../lib/data/index.js";

function time<T>(run: () => T): [T, number] {
  const start = performance.now();
  const result = run();
  return [result, (performance.now() - start) / 1000];
}

await tf.setBackend("cpu");
const [train, coldSeconds] = time(() => data.mnist());
train.dispose();
const [again, warmSeconds] = time(() => data.mnist());
const [batchCount, epochSeconds] = time(() => {
  let count = 0;
  for (const [xb, yb] of data.batches(again.images, again.labels, { batchSize: 64, seed: 0 })) {
    xb.dispose();
    yb.dispose();
    count++;
  }
  return count;
});
again.dispose();
const [, shapesSeconds] = time(() => data.shapes({ n: 1000, size: 32, seed: 0 }).dispose());

const reference = JSON.parse(
  execFileSync("/usr/bin/python3", [new URL("./data_loading_reference.py", import.meta.url).pathname.replace("/node_modules/.cache/bench", "/bench"), mnistDataDir()], {
    encoding: "utf8",
  }),
) as { parse_s: number; epoch_s: number; torch: string };

const rows: Array<[string, number, number | null]> = [
  ["MNIST train parse, cold (s)", coldSeconds, reference.parse_s],
  ["MNIST train, cached (s)", warmSeconds, null],
  [`one shuffled epoch, batch 64, ${batchCount} batches (s)`, epochSeconds, reference.epoch_s],
  ["shapes n=1000 32x32 (s)", shapesSeconds, null],
];
console.log(`tensorcell (tfjs ${tf.version["tfjs-core"]}, cpu backend) vs PyTorch ${reference.torch} (numpy + DataLoader), Node ${process.version}`);
for (const [label, ours, theirs] of rows) {
  const ratio = theirs === null ? "" : `  PyTorch ${theirs.toFixed(3)}  ratio ours/PyTorch ${(ours / theirs).toFixed(2)}`;
  console.log(`${label.padEnd(48)} ours ${ours.toFixed(3)}${ratio}`);
}
