/**
 * Same-process A/B of tensorcell's newer wasm kernels and gradient overrides:
 * training steps and inference batches of one model with them registered ("on")
 * and with tfjs's own kernels and gradients put back ("off"), alternating in
 * rounds (on, off, off, on, ...) inside one process, so the machine's drift
 * between processes (up to 1.3x here) does not enter the ratio.
 *
 * Toggled, by default: FusedBatchNorm, Relu, per-channel and same-shape Add/Sub/Multiply/RealDiv,
 * MaxPoolGrad, AvgPoolGrad, Slice, Identity, Cast (lib/backend/wasm/) and the
 * Sum/Mean gradients (lib/backend/gradients.ts); with a comma-separated list of
 * kernel names as the last argument, those kernels alone (e.g.
 * Conv2D,FusedConv2D for the Winograd convolutions). Not toggled (always on):
 * the filter gradient, the Conv2DBackpropInput composition, BatchMatMul,
 * Sum/Mean pooling, and the library models' fused training batch norm
 * (bench/train/batchnorm-ab.ts compares that one).
 *
 * Run: [TENSORCELL_THREADS=N] npx vite-node bench/train/kernel-ab.ts [model=resnet20|reference] [rounds=4] [steps=3] [kernels]
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { initBackend } from "../../lib/backend/index.js";
import { referenceCnn } from "./reference-cnn.js";
import { useKernels } from "./kernel-swap.js";
import { medianMs, modelSteps } from "./model-steps.js";
import { compiledModel } from "./tfjs-throughput.js";

const chosenKernels = process.argv[5]?.split(",");
const TOGGLED_KERNELS = chosenKernels ?? ["FusedBatchNorm", "Relu", "Add", "Sub", "Multiply", "RealDiv", "MaxPoolGrad", "AvgPoolGrad", "Slice", "Identity", "Cast"];
const TOGGLED_GRADIENTS = chosenKernels ? [] : ["Sum", "Mean"];

// tfjs's own configs, captured before initBackend registers tensorcell's.
const tfjsKernels = new Map(TOGGLED_KERNELS.map((name) => [name, tf.getKernel(name, "wasm")!]));
const tfjsGradients = new Map(TOGGLED_GRADIENTS.map((name) => [name, tf.getGradient(name)!]));

const info = await initBackend("wasm");
const ours = new Map(TOGGLED_KERNELS.map((name) => [name, tf.getKernel(name, "wasm")!]));
const ourGradients = new Map(TOGGLED_GRADIENTS.map((name) => [name, tf.getGradient(name)!]));
for (const [name, config] of ours) if (config === tfjsKernels.get(name)) throw new Error(`${name} is not replaced by tensorcell: nothing to compare`);

/** Registers tensorcell's configs (on) or tfjs's own (off). */
function use(on: boolean): void {
  useKernels(TOGGLED_KERNELS.map((name) => (on ? ours : tfjsKernels).get(name)!));
  for (const name of TOGGLED_GRADIENTS) tf.registerGradient((on ? ourGradients : tfjsGradients).get(name)!);
}

const name = process.argv[2] ?? "resnet20";
const rounds = Number(process.argv[3] ?? 4);
const steps = Number(process.argv[4] ?? 3);
const model = name === "reference" ? referenceCnn() : compiledModel(name, tf.train.momentum(0.1, 0.9));
const batch = 64;
const { train, infer } = modelSteps(model, batch);

console.log(`${name}, batch ${batch}, wasm ${info.threads} thread(s), ${rounds} rounds of ${steps} timed steps per setting; toggled: ${[...TOGGLED_KERNELS, ...TOGGLED_GRADIENTS.map((g) => `${g} gradient`)].join(", ")}`);
const results = { on: { train: [] as number[], infer: [] as number[] }, off: { train: [] as number[], infer: [] as number[] } };
for (let round = 0; round < rounds; round++) {
  for (const on of round % 2 === 0 ? [true, false] : [false, true]) {
    use(on);
    const r = results[on ? "on" : "off"];
    r.train.push(await medianMs(train, steps));
    r.infer.push(await medianMs(infer, steps));
    console.log(`  round ${round + 1} ${on ? "on " : "off"}: train ${r.train.at(-1)!.toFixed(1)} ms/step, infer ${r.infer.at(-1)!.toFixed(1)} ms/batch`);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
const line = (kind: "train" | "infer") =>
  `${kind}: on ${median(results.on[kind]).toFixed(1)} ms, off ${median(results.off[kind]).toFixed(1)} ms, off/on ${(median(results.off[kind]) / median(results.on[kind])).toFixed(2)}x`;
console.log(line("train"));
console.log(line("infer"));
