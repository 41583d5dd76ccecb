/**
 * Overhead of viz.liveCurves on training time. Trains the same small MLP on
 * synthetic MNIST-shaped data (784 -> 128 -> 10, batch 64, 3 epochs) with no
 * callback (the reference), with a no-op callback (the cost tfjs adds for any
 * callback) and with liveCurves, interleaving the runs and rotating their order
 * each round. Per run it records wall time and the process's CPU time
 * (process.cpuUsage: other jobs on the machine inflate wall time, not CPU time),
 * and for liveCurves the wall time spent inside its chart updates.
 *
 * The display host is a sink that JSON-encodes each message, as the kernel's
 * bridge does before handing it to the io thread: every update builds the full
 * bundle (spec + SVG + text). A second part renders the final chart of a run
 * many times, afresh (compile + parse + dataflow each time) and with the kept
 * view liveCurves uses, to give the per-update cost once the JIT is warm.
 *
 * Run: npx esbuild bench/viz/live-curves-overhead.ts --bundle --platform=node --format=esm \
 *        --packages=external --outfile=node_modules/.cache/bench/live-curves.mjs && node node_modules/.cache/bench/live-curves.mjs [wasm|cpu]
 * ROUNDS=n sets the interleaved rounds (default 5).
 */
import * as os from "node:os";
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { setHost, type MimeBundle } from "../../lib/display/host.js";
import { renderVegaLiteSvg, VEGALITE_MIME, type VegaLiteSpec } from "../../lib/display/vegalite.js";
import { LiveCurves } from "../../lib/viz/curves.js";

const backend = process.argv[2] ?? "wasm";
await tf.setBackend(backend);
await tf.ready();

const loadAverages: number[] = [];
const sampleLoad = () => loadAverages.push(os.loadavg()[0]!);
sampleLoad();

let messages = 0;
let svgBytes = 0;
let lastChart: MimeBundle | undefined;
setHost({
  display(message) {
    messages++;
    JSON.stringify(message); // what the kernel's bridge does with each message
    if (message.type === "clear_output") return;
    svgBytes += String(message.data["image/svg+xml"] ?? "").length;
    lastChart = message.data;
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

const cpuMilliseconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1000;
};

type Variant = "none" | "noop" | "live";
interface RunResult { seconds: number; cpuSeconds: number; updates: number; renderSeconds: number; renderCpuSeconds: number }
async function run(variant: Variant): Promise<RunResult> {
  const model = buildModel();
  const live = variant === "live" ? new LiveCurves() : undefined;
  const callbacks = variant === "noop" ? new (class extends tf.Callback {})() : live;
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  await model.fit(xs, ys, { epochs: 3, batchSize: 64, validationSplit: 0.1, verbose: 0, callbacks });
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = cpuMilliseconds(cpuStart) / 1000;
  model.dispose();
  return { seconds, cpuSeconds, updates: live?.updates ?? 0, renderSeconds: (live?.renderMilliseconds ?? 0) / 1000, renderCpuSeconds: (live?.renderCpuMilliseconds ?? 0) / 1000 };
}

const rounds = Number(process.env.ROUNDS ?? 5);
const variants: Variant[] = ["none", "noop", "live"];
const results: Record<Variant, RunResult[]> = { none: [], noop: [], live: [] };
await run("none"); // warm-up (kernels, JIT)
const coldLive = await run("live"); // the process's first chart: vega loads, compiles, and is not yet optimized by the JIT
for (let round = 0; round < rounds; round++) {
  for (let i = 0; i < variants.length; i++) {
    const variant = variants[(round + i) % variants.length]!;
    results[variant].push(await run(variant));
  }
  sampleLoad();
}

// Per-update cost: the last chart of the last liveCurves run, rendered afresh and with the kept view (JIT-warm after many renders).
const finalSpec = lastChart?.[VEGALITE_MIME] as VegaLiteSpec | undefined;
if (!finalSpec) throw new Error("no chart was displayed; liveCurves did not run");
function perRender(reuseView: boolean, count: number): { wallMs: number; cpuMs: number } {
  for (let i = 0; i < 3; i++) renderVegaLiteSvg(finalSpec!, { reuseView });
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (let i = 0; i < count; i++) renderVegaLiteSvg(finalSpec!, { reuseView });
  return { wallMs: (performance.now() - started) / count, cpuMs: cpuMilliseconds(cpuStart) / count };
}
const fresh = perRender(false, 20);
const reused = perRender(true, 20);
sampleLoad();

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
const fmt = (values: number[], digits = 2) => values.map((v) => v.toFixed(digits)).join(", ");
const pct = (value: number) => `${(100 * value).toFixed(2)}%`;
const batches = Math.ceil((examples * 0.9) / 64) * 3;
const wall = (v: Variant) => median(results[v].map((r) => r.seconds));
const cpu = (v: Variant) => median(results[v].map((r) => r.cpuSeconds));
const live = results.live;

console.log(`machine: ${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"}), Node ${process.version}, backend ${backend}`);
console.log(`load average (1 min) sampled per round: ${fmt(loadAverages, 1)}`);
console.log(`${batches} batches per run, ${rounds} interleaved rounds (order rotated each round)`);
for (const variant of variants) {
  console.log(`${variant.padEnd(5)} median wall ${wall(variant).toFixed(2)} s, CPU ${cpu(variant).toFixed(2)} s  (wall: ${fmt(results[variant].map((r) => r.seconds))}; CPU: ${fmt(results[variant].map((r) => r.cpuSeconds))})`);
}
console.log(`ratio live/none  wall ${(wall("live") / wall("none")).toFixed(4)}, CPU ${(cpu("live") / cpu("none")).toFixed(4)}`);
// Paired by round (runs of one round meet similar load): mean and standard error of the per-round ratios.
const pairedCpu = (v: Variant) => {
  const ratios = results.live.map((r, i) => r.cpuSeconds / results[v][i]!.cpuSeconds);
  const mean = ratios.reduce((x, y) => x + y, 0) / ratios.length;
  const sd = Math.sqrt(ratios.reduce((x, y) => x + (y - mean) ** 2, 0) / Math.max(1, ratios.length - 1));
  return `${mean.toFixed(4)} ± ${(sd / Math.sqrt(ratios.length)).toFixed(4)}`;
};
console.log(`CPU ratio per round, mean ± standard error: live/none ${pairedCpu("none")}, live/noop ${pairedCpu("noop")}`);
console.log(`ratio live/noop  wall ${(wall("live") / wall("noop")).toFixed(4)}, CPU ${(cpu("live") / cpu("noop")).toFixed(4)}`);
console.log(`liveCurves chart messages per run: ${live.map((r) => r.updates).join(", ")}; mean SVG ${(svgBytes / Math.max(messages, 1) / 1024).toFixed(0)} KiB`);
console.log(`wall time inside liveCurves updates / run wall time: ${live.map((r) => pct(r.renderSeconds / r.seconds)).join(", ")} (median ${pct(median(live.map((r) => r.renderSeconds / r.seconds)))})`);
console.log(`CPU time inside liveCurves updates / run CPU time: ${live.map((r) => pct(r.renderCpuSeconds / r.cpuSeconds)).join(", ")} (median ${pct(median(live.map((r) => r.renderCpuSeconds / r.cpuSeconds)))})`);
console.log(`first liveCurves run of the process (cold vega): ${coldLive.updates} messages, ${(1000 * coldLive.renderSeconds).toFixed(0)} ms wall = ${pct(coldLive.renderSeconds / coldLive.seconds)} of ${coldLive.seconds.toFixed(2)} s; ${(1000 * coldLive.renderCpuSeconds).toFixed(0)} ms CPU = ${pct(coldLive.renderCpuSeconds / coldLive.cpuSeconds)}`);
console.log(`one update of the final chart: fresh ${fresh.wallMs.toFixed(1)} ms wall / ${fresh.cpuMs.toFixed(1)} ms CPU; kept view ${reused.wallMs.toFixed(1)} ms wall / ${reused.cpuMs.toFixed(1)} ms CPU`);
