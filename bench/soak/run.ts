/**
 * The long soak: 2,000 cells (or argv[2]) in one kernel on the default backend,
 * printing memory samples and the verdicts: tensors left after the notebook
 * disposed what it made, and RSS growth from the warmed-up session (cell 200)
 * to the end. Exits 1 on a tensor leak or a dead kernel.
 *
 * Run: npm run build && npx vite-node bench/soak/run.ts [cells=2000]
 */
import { runSoak } from "./soak-session.js";

const cells = Number(process.argv[2] ?? 2000);
const started = Date.now();
const report = await runSoak({
  cells,
  sampleEvery: 100,
  onSample: (s) => console.log(`cell ${String(s.cell).padStart(5)}  rss ${s.rssMb.toFixed(1).padStart(7)} MiB  heap ${s.heapMb.toFixed(1).padStart(6)} MiB  tensors ${s.tensors}`),
});
const warm = report.samples.find((s) => s.cell >= Math.min(200, cells)) ?? report.samples[0];
const last = report.samples.at(-1)!;
console.log(`\nbackend ${report.backend}; ${cells} cells in ${((Date.now() - started) / 1000).toFixed(0)} s; outcomes ${JSON.stringify(report.outcomes)}`);
console.log(`tensors: ${report.baselineTensors} before the first cell, ${report.finalTensors} after clean-up (${report.finalTensors - report.baselineTensors} left)`);
console.log(`RSS: ${warm.rssMb.toFixed(1)} MiB at cell ${warm.cell}, ${last.rssMb.toFixed(1)} MiB at the end: growth ${(last.rssMb - warm.rssMb).toFixed(1)} MiB ` +
  `(${((last.rssMb - warm.rssMb) / Math.max(1, last.cell - warm.cell) * 1000).toFixed(1)} MiB per 1,000 cells); heap ${warm.heapMb.toFixed(1)} -> ${last.heapMb.toFixed(1)} MiB`);
process.exit(report.alive && report.finalTensors === report.baselineTensors ? 0 : 1);
