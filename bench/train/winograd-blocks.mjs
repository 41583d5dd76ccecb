/**
 * Tiles per block of tensorcell's Winograd forward kernel (development aid): one build of
 * kernels-local.wasm, winogradConv3x3 on one thread with several block sizes, round-robin in
 * one process, on shapes from 8 to 512 channels. Prints ms per call (best of 6 rounds'
 * medians of 7) per block size; "rule" is the block winograd-conv.ts's tiling picks.
 *
 * Run: node bench/train/winograd-blocks.mjs [dist/asm/kernels-local.wasm]
 */
import { readFileSync } from "node:fs";

const file = process.argv[2] ?? "dist/asm/kernels-local.wasm";
const memory = new WebAssembly.Memory({ initial: 4096 });
const { exports } = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(file)), { env: { memory } });
const MB = 1 << 20;
// Memory layout (bytes): x, the filter U, the output, then the scratch.
const X_AT = 2 * MB, U_AT = 64 * MB, OUT_AT = 104 * MB, SCRATCH_AT = 160 * MB;
const floats = new Float32Array(memory.buffer);
let seed = 1;
for (let i = X_AT / 4; i < OUT_AT / 4; i++) floats[i] = (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32 - 0.5;

/** The block winograd-conv.ts's tiling picks (its BLOCK_FLOATS, MIN_BLOCK and MAX_BLOCK). */
function ruleBlock(tiles, ci, co) {
  const fits = Math.floor(65536 / (36 * (ci + co)) / 2) * 2;
  return Math.min(tiles + (tiles % 2), Math.max(16, Math.min(64, fits)));
}

console.log(`winogradConv3x3, 1 thread, 'same', ${file}; ms per call by tiles per block`);
for (const [n, h, w, ci, co] of [[64, 32, 32, 16, 16], [64, 16, 16, 32, 32], [64, 8, 8, 64, 64], [16, 16, 16, 128, 128],
  [8, 14, 14, 256, 256], [8, 7, 7, 512, 512], [16, 16, 16, 64, 128], [64, 16, 16, 8, 16]]) {
  const tiles = n * Math.ceil(h / 4) * Math.ceil(w / 4);
  const blocks = [2, 8, 16, 24, 64, ruleBlock(tiles, ci, co)];
  const best = blocks.map(() => Infinity);
  for (let round = 0; round < 6; round++) {
    blocks.forEach((block, k) => {
      const times = [];
      for (let i = 0; i < 7; i++) {
        const t0 = performance.now();
        exports.winogradConv3x3(X_AT, U_AT, 0, OUT_AT, SCRATCH_AT, 0, tiles, h, w, ci, h, w, co, 1, 1, 0, block);
        times.push(performance.now() - t0);
      }
      best[k] = Math.min(best[k], times.sort((a, b) => a - b)[3]);
    });
  }
  const cells = blocks.map((block, k) => `${k === blocks.length - 1 ? "rule " : ""}${block}: ${best[k].toFixed(2)}`);
  console.log(`| [${n},${h},${w},${ci}] * Co ${co} | ${cells.join(" | ")} |`);
}
