/**
 * GNN training benchmark: accuracy and time-to-accuracy of the node
 * classifiers, and in the same run PyTorch's CPU build (/usr/bin/python3,
 * one thread) training the same GCN on the same graph (bench/gnn/torch_gcn.py).
 *  1. GCN on Zachary's karate club, leaders split (nodes 0 and 33 labelled,
 *     32 test nodes), 100 epochs: test accuracy, first epoch at >= 90%, and
 *     the wall time to it; wasm, cpu, PyTorch.
 *  2. The Cora-sized synthetic citation graph (seed 0): every node model
 *     (default configs) for `epochs` epochs on wasm: ms per epoch (training
 *     step + test evaluation, as the PyTorch loop) and final test accuracy;
 *     GCN also on cpu for a few epochs, and in PyTorch.
 *
 * Run: npx vite-node bench/gnn/train.ts [epochs=200]
 * Wall-clock figures on a shared machine include waiting; compare ratios within one run.
 */
import { writeTorchGraph } from "./torch-graph.js";
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { initBackend, tf, useBackend } from "../../lib/backend/index.js";
import { type Graph, karateClub, syntheticCitationGraph } from "../../lib/data/graphs.js";
import "../../lib/models/appnp.js";
import "../../lib/models/dagnn.js";
import "../../lib/models/gat.js";
import "../../lib/models/gcn.js";
import "../../lib/models/gin.js";
import "../../lib/models/graphsage.js";
import { evaluateNodes, fitNodeClassifier } from "../../lib/models/graph_training.js";
import { getModelSpec } from "../../lib/models/registry.js";
import { seed } from "../../lib/repro/seed.js";

const epochs = Number(process.argv[2] ?? 200);
const THRESHOLD = 0.9;

/** What one training run measured. */
interface RunResult {
  msPerEpoch: number;
  testAcc: number[];
  /** Seconds from the start to the end of the first epoch at >= THRESHOLD test accuracy. */
  secondsToThreshold?: number;
}

function firstEpochAt(testAcc: number[]): number | undefined {
  const index = testAcc.findIndex((a) => a >= THRESHOLD);
  return index < 0 ? undefined : index + 1;
}

async function trainTfjs(name: string, graph: Graph, runEpochs: number): Promise<RunResult> {
  seed(0);
  const spec = getModelSpec(name);
  const model = spec.build({ ...spec.defaults, inputShape: [graph.numFeatures], numClasses: graph.numClasses });
  const testAcc: number[] = [];
  let secondsToThreshold: number | undefined;
  const start = performance.now();
  await fitNodeClassifier(model, graph, {
    epochs: runEpochs,
    valMask: new Int32Array(0),
    callbacks: {
      onEpochEnd: () => {
        testAcc.push(evaluateNodes(model, graph).accuracy);
        if (secondsToThreshold === undefined && testAcc[testAcc.length - 1] >= THRESHOLD) secondsToThreshold = (performance.now() - start) / 1000;
      },
    },
  });
  const msPerEpoch = (performance.now() - start) / runEpochs;
  model.dispose();
  return { msPerEpoch, testAcc, secondsToThreshold };
}

function trainTorch(graph: Graph, runEpochs: number): RunResult | undefined {
  const dir = mkdtempSync(join(tmpdir(), "tensorcell-gnn-"));
  const file = join(dir, "graph.json");
  writeTorchGraph(graph, file);
  const script = fileURLToPath(new URL("./torch_gcn.py", import.meta.url));
  const run = spawnSync("/usr/bin/python3", [script, file, String(runEpochs)], { encoding: "utf8" });
  if (run.status !== 0) {
    console.log(`PyTorch reference skipped: ${script} failed (${run.stderr.trim().split("\n").pop()}); install python3-torch.`);
    return undefined;
  }
  const result = JSON.parse(run.stdout.trim().split("\n").pop()!) as RunResult;
  const at = firstEpochAt(result.testAcc);
  if (at !== undefined) result.secondsToThreshold = (at * result.msPerEpoch) / 1000;
  return result;
}

function row(label: string, result: RunResult | undefined, reference?: RunResult): string {
  if (!result) return `| ${label} | - | - | - | - | - |`;
  const at = firstEpochAt(result.testAcc);
  const ratio = reference ? (result.msPerEpoch / reference.msPerEpoch).toFixed(2) : "-";
  const final = (100 * result.testAcc[result.testAcc.length - 1]).toFixed(1);
  const toThreshold = result.secondsToThreshold !== undefined ? result.secondsToThreshold.toFixed(2) : "-";
  return `| ${label} | ${final}% | ${at ?? "never"} | ${toThreshold} | ${result.msPerEpoch.toFixed(1)} | ${ratio} |`;
}

const header = "| run | final test acc | first epoch >= 90% | seconds to 90% | ms/epoch | ms/epoch vs PyTorch |\n| --- | --- | --- | --- | --- | --- |";

await initBackend("wasm");
const karate = karateClub();
console.log(`\n1. GCN on the karate club (leaders split), ${100} epochs\n${header}`);
const karateTorch = trainTorch(karate, 100);
console.log(row("wasm", await trainTfjs("gcn", karate, 100), karateTorch));
await useBackend("cpu");
console.log(row("cpu", await trainTfjs("gcn", karate, 100), karateTorch));
console.log(row("PyTorch 1.13, 1 thread", karateTorch, karateTorch));

const citation = syntheticCitationGraph({ seed: 0 });
console.log(`\n2. Synthetic Cora-sized citation graph (2,708 nodes, 10,556 directed edges, 1,433 features), ${epochs} epochs\n${header}`);
const citationTorch = trainTorch(citation, epochs);
const cpuEpochs = Math.min(epochs, 10);
console.log(row(`gcn cpu (${cpuEpochs} epochs)`, await trainTfjs("gcn", citation, cpuEpochs), citationTorch));
await useBackend("wasm");
for (const name of ["gcn", "graphsage", "gat", "gin", "appnp", "dagnn"]) {
  console.log(row(`${name} wasm`, await trainTfjs(name, citation, epochs), name === "gcn" ? citationTorch : undefined));
}
console.log(row("gcn PyTorch 1.13, 1 thread", citationTorch, citationTorch));
console.log(`\nbackend tensors left: ${tf.memory().numTensors}`);
