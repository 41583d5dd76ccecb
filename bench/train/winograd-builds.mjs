/**
 * Two or more builds of tensorcell's wasm kernels, one Winograd kernel in one process
 * (development aid): each build's kernels-local.wasm is instantiated on its own memory
 * and runs winogradConv3x3 (or, with `grad`, winogradFilterGradient) on one thread over
 * the same seeded data, round-robin. Prints the best of 5 rounds' medians per build,
 * the first build's ms over each one's, and the largest difference of each build's
 * output from the first's (relative to its largest value; 0 when the bits agree).
 *
 * To compare a change with main:
 *   git stash && npm run build && cp dist/asm/kernels-local.wasm /tmp/before.wasm
 *   git stash pop && npm run build
 *   node bench/train/winograd-builds.mjs [grad] /tmp/before.wasm dist/asm/kernels-local.wasm
 */
import { readFileSync } from "node:fs";

const grad = process.argv[2] === "grad";
const files = process.argv.slice(grad ? 3 : 2);
if (files.length === 0) throw new Error("usage: node bench/train/winograd-builds.mjs [grad] a.wasm b.wasm ...");
/** [N, H, W, Ci, Co]: ResNet-20's three stages, the reference CNN's second conv, a wide layer. */
const SHAPES = [[64, 32, 32, 16, 16], [64, 16, 16, 32, 32], [64, 8, 8, 64, 64], [64, 26, 26, 32, 32], [16, 16, 16, 128, 128]];
const MB = 1 << 20;
// Memory layout (bytes): x, the filter U (or dy), the output (or acc), then the scratch.
const X_AT = 2 * MB, U_AT = 64 * MB, OUT_AT = 80 * MB, SCRATCH_AT = 160 * MB;

const builds = files.map((file) => {
  const memory = new WebAssembly.Memory({ initial: 4096 });
  const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } });
  return { memory, kernel: grad ? exports.winogradFilterGradient : exports.winogradConv3x3 };
});

console.log(`${grad ? "winogradFilterGradient" : "winogradConv3x3"}, 1 thread, 'same'; ms (first build / this one, largest difference)`);
for (const [n, h, w, ci, co] of SHAPES) {
  // The tiling winograd-conv.ts picks.
  const tiles = n * Math.ceil(h / 4) * Math.ceil(w / 4);
  const fits = Math.floor(65536 / (36 * (ci + co)) / 2) * 2;
  const block = Math.min(tiles + (tiles % 2), Math.max(16, Math.min(64, fits)));
  for (const { memory } of builds) {
    const floats = new Float32Array(memory.buffer);
    let seed = 1;
    const random = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;
    for (let i = 0; i < n * h * w * ci; i++) floats[X_AT / 4 + i] = random();
    for (let i = 0; i < Math.max(36 * ci * co, n * h * w * co); i++) floats[U_AT / 4 + i] = random();
  }
  const call = grad
    ? (k) => builds[k].kernel(X_AT, U_AT, OUT_AT, SCRATCH_AT, 0, tiles, h, w, ci, h, w, co, 1, 1, block)
    : (k) => builds[k].kernel(X_AT, U_AT, 0, OUT_AT, SCRATCH_AT, 0, tiles, h, w, ci, h, w, co, 1, 1, 0, block);
  const best = builds.map(() => Infinity);
  for (let round = 0; round < 5; round++) {
    for (let k = 0; k < builds.length; k++) {
      call(k);
      const times = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        call(k);
        times.push(performance.now() - t0);
      }
      best[k] = Math.min(best[k], times.sort((a, b) => a - b)[3]);
    }
  }
  const outFloats = grad ? 36 * ci * co : n * h * w * co;
  const first = new Float32Array(builds[0].memory.buffer, OUT_AT, outFloats);
  const largest = first.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
  const differences = builds.map(({ memory }) => {
    const out = new Float32Array(memory.buffer, OUT_AT, outFloats);
    let d = 0;
    for (let i = 0; i < outFloats; i++) d = Math.max(d, Math.abs(out[i] - first[i]));
    return d / largest;
  });
  const cells = best.map((ms, k) => `${ms.toFixed(2)} (${(best[0] / ms).toFixed(2)}x, ${differences[k].toExponential(1)})`);
  console.log(`| [${n},${h},${w},${ci}] * Co ${co} | ${cells.join(" | ")} |`);
}
