import { mkdtemp, readFile, rm, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { initBackend } from "../../../lib/backend/index.js";
import { models } from "../../../lib/models/index.js";

let root: string;
beforeAll(async () => {
  await initBackend("wasm"); // tensorcell's wasm training kernels: fit() in seconds, not minutes
  expect(tf.getBackend()).toBe("wasm");
  root = await mkdtemp(join(tmpdir(), "tensorcell-models-"));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("models.save / models.load", () => {
  test("round-trips weights, BN statistics and metadata with identical predictions", async () => {
    const net = models.create("resnet20", { inputShape: [8, 8, 3], numClasses: 4 });
    // Move BN running statistics away from their initial values so the test sees them travel.
    net.compile({ optimizer: tf.train.sgd(0.1), loss: "categoricalCrossentropy" });
    const x = tf.randomNormal([4, 8, 8, 3], 0, 1, "float32", 1);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2, 3], "int32"), 4);
    await net.fit(x, y, { epochs: 1, batchSize: 4, verbose: 0 });
    const dir = join(root, "resnet20");
    await models.save(net, dir);
    const files = JSON.parse(await readFile(join(dir, "model.json"), "utf8"));
    expect(files.weightsManifest[0].paths).toEqual(["./weights.bin"]);
    const loaded = await models.load(dir);
    expect(models.nameOf(loaded)).toBe("resnet20");
    const before = (net.predict(x) as tf.Tensor).dataSync();
    const after = (loaded.predict(x) as tf.Tensor).dataSync();
    expect(Array.from(after)).toEqual(Array.from(before));
    expect(loaded.getWeights().length).toBe(net.getWeights().length);
    tf.dispose([x, y]);
    net.dispose();
    loaded.dispose();
  });

  test("a missing folder, a missing model.json and a bad model.json give clear errors", async () => {
    await expect(models.load(join(root, "nope"))).rejects.toThrow(/no such directory.*pass the folder given to models\.save/);
    const empty = join(root, "empty");
    await mkdir(empty);
    await expect(models.load(empty)).rejects.toThrow(/no model\.json in/);
    const bad = join(root, "bad");
    await mkdir(bad);
    await writeFile(join(bad, "model.json"), "{not json");
    await expect(models.load(bad)).rejects.toThrow(/model\.json is not valid JSON/);
    await writeFile(join(bad, "model.json"), JSON.stringify({ hello: 1 }));
    await expect(models.load(bad)).rejects.toThrow(/lacks modelTopology or weightsManifest/);
  });

  test("a truncated weights.bin is reported, not silently loaded", async () => {
    const net = models.create("mnist_cnn", { inputShape: [16, 16, 1] });
    const dir = join(root, "trunc");
    await models.save(net, dir);
    const weights = await readFile(join(dir, "weights.bin"));
    await writeFile(join(dir, "weights.bin"), weights.subarray(0, 100));
    await expect(models.load(dir)).rejects.toThrow(/weight files hold 100 bytes but model\.json describes/);
    net.dispose();
  });

  test("models.checkpoint saves during fit, every epoch or one folder per epoch", async () => {
    const net = models.create("mnist_cnn", { inputShape: [16, 16, 1], numClasses: 3 });
    net.compile({ optimizer: "adam", loss: "categoricalCrossentropy" });
    const x = tf.randomUniform([3, 16, 16, 1], 0, 1, "float32", 2);
    const y = tf.oneHot(tf.tensor1d([0, 1, 2], "int32"), 3);
    const saved: number[] = [];
    const dir = join(root, "ckpt");
    await net.fit(x, y, { epochs: 3, verbose: 0, callbacks: [models.checkpoint(dir, { keepAll: true, onSaved: (e) => saved.push(e) })] });
    expect(saved).toEqual([1, 2, 3]);
    const last = await models.load(join(dir, "epoch-003"));
    expect(Array.from((last.predict(x) as tf.Tensor).dataSync())).toEqual(Array.from((net.predict(x) as tf.Tensor).dataSync()));
    const every2: number[] = [];
    await net.fit(x, y, { epochs: 2, verbose: 0, callbacks: [models.checkpoint(join(root, "ckpt2"), { every: 2, onSaved: (e) => every2.push(e) })] });
    expect(every2).toEqual([2]);
    expect(() => models.checkpoint(dir, { every: 0 })).toThrow(/every must be a positive integer/);
    tf.dispose([x, y]);
    net.dispose();
    last.dispose();
  });
});
