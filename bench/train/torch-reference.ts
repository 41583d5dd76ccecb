/**
 * The PyTorch side of bench/train/models.ts, bench/train/cnn.ts and
 * bench/parity/torch-parity.ts: runs the reference scripts with Debian's
 * /usr/bin/python3 (python3-torch), one thread unless asked for more, and turns
 * their JSON lines into throughputs (items per second by wall clock and by CPU
 * time). The reference CNN and ResNet-20 have their own scripts here
 * (torch_cnn.py, torch_resnet20.py); the ViT and GCN
 * references are bench/vit/torch_vit.py and bench/gnn/torch_gcn.py, run
 * unchanged through torch_timed.py, which adds their CPU time.
 */
import { writeTorchGraph } from "../gnn/torch-graph.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Graph } from "../../lib/data/graphs.js";

/** Items (images or epochs or graphs) per second, by wall clock and by the process's CPU time. */
export interface Throughput {
  wall: number;
  cpu: number;
}

/** Training and inference throughput of one model in PyTorch. */
export interface TorchResult {
  train: Throughput;
  infer: Throughput;
  params?: number;
  /** torch.__version__, where the script prints it. */
  version?: string;
}

const PYTHON = "/usr/bin/python3";
/**
 * The environment for PyTorch at `threads` compute threads. torch.set_num_threads(1)
 * (TORCH_THREADS) alone still leaves Debian's BLAS/OpenMP pool a second thread that spins
 * (measured idle: the reference CNN's CPU time was 2x its wall time at the same wall speed);
 * the *_NUM_THREADS variables, set to the same count, remove it.
 */
export function torchThreadEnv(threads = 1): NodeJS.ProcessEnv {
  const n = String(threads);
  return { ...process.env, TORCH_THREADS: n, OMP_NUM_THREADS: n, OPENBLAS_NUM_THREADS: n, MKL_NUM_THREADS: n };
}
const benchPath = (relative: string) => fileURLToPath(new URL(relative, import.meta.url));

/** Runs a Python script; returns its stdout lines, or undefined (with one line saying why) when it failed. */
function runPython(args: string[], what: string, threads: number): string[] | undefined {
  const run = spawnSync(PYTHON, args, { encoding: "utf8", env: torchThreadEnv(threads) });
  if (run.status !== 0) {
    const reason = run.error?.message ?? run.stderr.trim().split("\n").pop();
    console.log(`PyTorch reference for ${what} skipped: ${PYTHON} ${args.join(" ")} failed (${reason}); install python3-torch (apt-get install python3-torch).`);
    return undefined;
  }
  return run.stdout.trim().split("\n");
}

interface TimedIntervals {
  intervals: Array<{ wall: number; cpu: number }>;
  infer?: { steps: number; wall: number; cpu: number };
}

/**
 * PyTorch's version and how it does matrix products, in words, e.g.
 * "PyTorch 1.13.0a0, BLAS_INFO=generic, CPU capability AVX2; libblas.so.3 -> .../blas/libblas.so.3"
 * (Debian's build with BLAS_INFO=generic takes Linear layers' and matmul's GEMMs from whatever
 * libblas.so.3 is installed: the reference BLAS of libblas3 unless OpenBLAS or BLIS provides it;
 * convolutions usually go through oneDNN). Undefined when python3-torch is missing.
 */
export function torchBuildInfo(): string | undefined {
  const code = [
    "import os, re, torch",
    "s = torch.__config__.show()",
    "blas = re.search(r'BLAS_INFO=(\\w+)', s)",
    "cap = re.search(r'CPU capability usage: (\\w+)', s)",
    "lib = '/usr/lib/x86_64-linux-gnu/libblas.so.3'",
    "print(f\"PyTorch {torch.__version__}, BLAS_INFO={blas.group(1) if blas else '?'}, CPU capability {cap.group(1) if cap else '?'}\" + (f'; libblas.so.3 -> {os.path.realpath(lib)}' if os.path.exists(lib) else ''))",
  ].join("\n");
  return runPython(["-c", code], "build info", 1)?.at(-1);
}

/** Reads the JSON line of torch_cnn.py / torch_resnet20.py (img/s by wall clock and CPU time). */
function imageScriptResult(lines: string[]): TorchResult {
  const r = JSON.parse(lines.at(-1)!) as Record<string, number | string>;
  return {
    train: { wall: Number(r.train_img_s), cpu: Number(r.train_cpu_img_s) },
    infer: { wall: Number(r.infer_img_s), cpu: Number(r.infer_cpu_img_s) },
    params: Number(r.params),
    version: String(r.torch),
  };
}

/** The reference CNN (mnist-node, 594,922 params) in PyTorch, RMSprop, at `threads` threads: bench/train/torch_cnn.py. */
export function torchCnn(batch: number, trainSteps: number, inferSteps: number, threads = 1): TorchResult | undefined {
  const lines = runPython([benchPath("./torch_cnn.py"), String(batch), String(trainSteps), String(inferSteps)], "reference CNN", threads);
  return lines && imageScriptResult(lines);
}

/** ResNet-20 (CIFAR, option A) in PyTorch, SGD momentum 0.9, at `threads` threads: bench/train/torch_resnet20.py. */
export function torchResnet20(batch: number, trainSteps: number, inferSteps: number, threads = 1): TorchResult | undefined {
  const lines = runPython([benchPath("./torch_resnet20.py"), String(batch), String(trainSteps), String(inferSteps)], "resnet20", threads);
  return lines && imageScriptResult(lines);
}

/** ViT-Ti/4 on 32x32 in PyTorch, Adam, at `threads` threads: bench/vit/torch_vit.py, with CPU time from torch_timed.py. */
export function torchVit(batch: number, trainSteps: number, inferSteps: number, threads = 1): TorchResult | undefined {
  const args = [benchPath("./torch_timed.py"), benchPath("../vit/torch_vit.py"), String(threads), String(batch), String(trainSteps), String(inferSteps)];
  const lines = runPython(args, "vit_tiny_patch4_32", threads);
  if (!lines) return undefined;
  const own = JSON.parse(lines.at(-2)!) as { params: number; train: number; infer: number };
  const { intervals } = JSON.parse(lines.at(-1)!) as TimedIntervals;
  const [train, infer] = intervals;
  if (!train || !infer) throw new Error(`torch_timed.py saw ${intervals.length} timed intervals in torch_vit.py, expected 2 (training, inference); has the script changed?`);
  return {
    train: { wall: own.train, cpu: (batch * trainSteps) / train.cpu },
    infer: { wall: own.infer, cpu: (batch * inferSteps) / infer.cpu },
    params: own.params,
  };
}

/**
 * The two-layer GCN of bench/gnn/torch_gcn.py on `graph`, one thread: epochs
 * per second (one epoch = a full-batch training step and a test evaluation,
 * as the script times it) and full-graph inference passes per second (timed
 * by torch_timed.py on the script's trained model).
 */
export function torchGcn(graph: Graph, epochs: number, inferSteps: number): TorchResult | undefined {
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-train-gcn-"));
  try {
    const file = join(dir, "graph.json");
    writeTorchGraph(graph, file);
    return torchGcnFile(file, epochs, inferSteps);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** torchGcn on a graph already written by writeTorchGraph (bench/gnn/torch-graph.ts), at `threads` threads. */
export function torchGcnFile(file: string, epochs: number, inferSteps: number, threads = 1): TorchResult | undefined {
  const args = [benchPath("./torch_timed.py"), "--infer", "model", "x", String(inferSteps), benchPath("../gnn/torch_gcn.py"), file, String(epochs)];
  const lines = runPython(args, "gcn", threads);
  if (!lines) return undefined;
  const timed = JSON.parse(lines.at(-1)!) as TimedIntervals;
  const [run] = timed.intervals;
  if (!run || !timed.infer) throw new Error("torch_timed.py found no timed interval or inference figure in torch_gcn.py; has the script changed?");
  return {
    train: { wall: epochs / run.wall, cpu: epochs / run.cpu },
    infer: { wall: inferSteps / timed.infer.wall, cpu: inferSteps / timed.infer.cpu },
  };
}
