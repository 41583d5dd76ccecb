/**
 * Pretrained weights from a cell: `await models.create(name, { pretrained })`
 * with a timm checkpoint (a reduced ViT written by timm's code,
 * tests/fixtures/pretrained), numClasses re-initialising the head in one
 * printed line, models.save to .safetensors and back, and a bad file as a
 * one-line error.
 */
import { resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

const FIXTURE = resolve("tests/fixtures/pretrained/vit.safetensors");
const OPTIONS = "inputShape: [64, 64, 3], embedDim: 48, depth: 2, numHeads: 3";

describe("pretrained weights from a cell", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel();
  });
  afterAll(() => k?.stop());

  it("loads a checkpoint, says in one line that a new numClasses re-initialises the head, and saves for PyTorch", async () => {
    const cell = await k.run(`
      const net = await models.create("vit_tiny_patch16_224", { pretrained: ${JSON.stringify(FIXTURE)}, numClasses: 3, ${OPTIONS} });
      const path = require("node:path").join(require("node:os").tmpdir(), "tensorcell-cell-" + process.pid + ".safetensors");
      await models.save(net, path);
      const again = await models.create("vit_tiny_patch16_224", { pretrained: path, ${OPTIONS} });
      const x = tf.randomNormal([1, 64, 64, 3]);
      const same = tf.equal(net.predict(x) as tf.Tensor, again.predict(x) as tf.Tensor).all().dataSync()[0];
      require("node:fs").rmSync(path);
      console.log(again.outputs[0].shape[1], same);`);
    expect(cell.reply.status, JSON.stringify(cell.error)).toBe("ok");
    const lines = cell.stdout.trim().split("\n");
    expect(lines).toEqual([`vit_tiny_patch16_224: loaded ${FIXTURE} except its 6-class head (head), freshly initialised for numClasses 3.`, "3 1"]);
  });

  it("answers another architecture's checkpoint with one line", async () => {
    const bad = await k.run(`await models.create("convnext_atto", { pretrained: ${JSON.stringify(FIXTURE)} })`);
    expect(bad.error?.evalue).toBe(`${FIXTURE}: looks like a vit checkpoint, not convnext_atto.`);
  });
});
