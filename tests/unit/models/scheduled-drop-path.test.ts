/**
 * ScheduledDropPath (NASNet's drop-path ramped over training) and nasnetalarge's
 * dropPathRate option: per-cell rates as TF-slim's NASNet, the schedule
 * advanced by models.dropPathSchedule during fit and by setDropPathProgress,
 * identity at inference, progress kept through save/load, one-line errors.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { ScheduledDropPath } from "../../../lib/layers/index.js";
import { models } from "../../../lib/models/index.js";
import { buildNASNet } from "../../../lib/models/nasnet.js";
import { seed, unseed } from "../../../lib/repro/index.js";

let root: string;
beforeAll(async () => {
  await initBackend("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-sdp-"));
});
afterAll(async () => {
  unseed();
  await rm(root, { recursive: true, force: true });
});

function tinyModel(rate: number): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 2] });
  const dropped = new ScheduledDropPath({ rate, name: "sdp" }).apply(input) as tf.SymbolicTensor;
  const output = tf.layers.dense({ units: 2, name: "fc" }).apply(tf.layers.flatten().apply(dropped)) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: output });
}

test("drops nothing at progress 0, rate x progress later; identity at inference", () => {
  seed(3);
  const model = tinyModel(0.5);
  const layer = model.getLayer("sdp") as ScheduledDropPath;
  const x = tf.ones([400, 4, 4, 2]);
  const keptFraction = () => tf.tidy(() => layer.apply(x, { training: true }) as tf.Tensor).max([1, 2, 3]).greater(0).mean().dataSync()[0];
  expect(keptFraction()).toBe(1);
  expect(models.setDropPathProgress(model, 0.5)).toBe(1);
  expect(layer.currentRate).toBe(0.25);
  expect(keptFraction()).toBeGreaterThan(0.65);
  expect(keptFraction()).toBeLessThan(0.85);
  const inference = layer.apply(x) as tf.Tensor;
  expect(inference.min().dataSync()[0]).toBe(1);
  tf.dispose([x, inference]);
  model.dispose();
});

test("models.dropPathSchedule ramps progress to min(1, step / totalSteps) during fit; save/load keeps it", async () => {
  const model = tinyModel(0.3);
  model.compile({ optimizer: "sgd", loss: "meanSquaredError" });
  const x = tf.randomNormal([8, 4, 4, 2]);
  const y = tf.randomNormal([8, 2]);
  await model.fit(x, y, { epochs: 1, batchSize: 2, verbose: 0, callbacks: [models.dropPathSchedule(model, { totalSteps: 8 })] });
  const layer = model.getLayer("sdp") as ScheduledDropPath;
  expect(layer.progress).toBe(0.5); // 4 batches of 8
  await model.fit(x, y, { epochs: 2, batchSize: 2, verbose: 0, callbacks: [models.dropPathSchedule(model, { totalSteps: 8, initialStep: 4 })] });
  expect(layer.progress).toBe(1);
  await models.save(model, join(root, "tiny"));
  const loaded = await models.load(join(root, "tiny"));
  const restored = loaded.getLayer("sdp") as ScheduledDropPath;
  expect([restored.rate, restored.progress]).toEqual([0.3, 1]);
  tf.dispose([x, y]);
  model.dispose();
  loaded.dispose();
});

test("nasnet: cell i of 22 gets rate r * (i + 1) / 22 on every branch op", () => {
  const model = buildNASNet({ stemSize: 8, numFeatures: 96, channelMultiplier: 2 }, { inputShape: [32, 32, 3], numClasses: 3, dropPathRate: 0.3 }, "nasnet_small");
  const rates = new Map(model.layers.filter((l) => l instanceof ScheduledDropPath).map((l) => [l.name, (l as ScheduledDropPath).rate]));
  expect(rates.get("cell_stem_0.comb_iter_0_left.drop_path")).toBeCloseTo((0.3 * 1) / 22, 12);
  expect(rates.get("cell_0.comb_iter_0_left.drop_path")).toBeCloseTo((0.3 * 3) / 22, 12);
  expect(rates.get("reduction_cell_0.comb_iter_1_left.drop_path")).toBeCloseTo((0.3 * 9) / 22, 12);
  expect(rates.get("cell_17.comb_iter_3_right.drop_path")).toBeCloseTo(0.3, 12);
  // Identities (comb_iter_2's left input, comb_iter_4's right) carry none: 5 ops in each reduction cell's 4 combs + 3 pools, 8 in a normal cell.
  expect([...rates.keys()].filter((n) => n.startsWith("cell_5.")).length).toBe(8);
  expect([...rates.keys()].filter((n) => n.startsWith("reduction_cell_1.")).length).toBe(9);
  model.dispose();
});

test("bad schedule arguments and rates get one-line errors", () => {
  const model = tinyModel(0.1);
  expect(() => models.setDropPathProgress(model, 1.5)).toThrow("setDropPathProgress: progress must be a number in [0, 1]");
  expect(() => models.dropPathSchedule(model, { totalSteps: 0 })).toThrow("dropPathSchedule: totalSteps must be a positive integer");
  expect(() => models.create("nasnetalarge", { dropPathRate: -0.1 })).toThrow("nasnetalarge: option dropPathRate must be a number in [0, 1)");
  model.dispose();
});
