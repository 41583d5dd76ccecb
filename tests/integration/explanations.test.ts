/**
 * Explanations from a cell on the default backend (issue 16): a small CNN trained in
 * the kernel, then viz.gradCam with no options: the predicted class, the last stage
 * output named with its map size, and panels of at least 192 px in the PNG.
 */
import { decode } from "fast-png";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKernel, type KernelUnderTest } from "./kernel-harness.js";

describe("explanations from a cell", () => {
  let k: KernelUnderTest;
  beforeAll(async () => {
    k = await startKernel({ env: { TENSORCELL_BACKEND: "auto" } });
  });
  afterAll(() => k?.stop());

  it("trains LeNet-5 on shapes, then gradCam(net, image) explains the predicted class at S4 (5x5)", async () => {
    const train = await k.run(`
      seed(1);
      const shapesData = data.shapes({ n: 240, seed: 1 });
      const net = models.create("lenet5", { inputShape: [32, 32, 1], numClasses: shapesData.numClasses, activation: "relu" });
      net.compile({ optimizer: tf.train.adam(0.003), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
      const history = await net.fit(shapesData.images, shapesData.oneHot(), { epochs: 4, batchSize: 32, verbose: 0 });
      console.log(tf.getBackend(), history.history.acc.at(-1));`);
    expect(train.reply.status, JSON.stringify(train.error)).toBe("ok");
    expect(train.stdout).toMatch(/^wasm /); // the default backend, not cpu

    const cam = await k.run("viz.gradCam(net, shapesData.images.slice([0], [1]), { classNames: shapesData.classNames })");
    expect(cam.reply.status, JSON.stringify(cam.error)).toBe("ok");
    const data = cam.result!.data as Record<string, string>;
    expect(data["text/plain"]).toMatch(/^Grad-CAM of layer S4 \(5x5\) for class "(circle|square|triangle)" \(\d\) \(p = [\d.]+\), the predicted class; gradients of the pre-softmax score/);
    const png = decode(Buffer.from(data["image/png"]!, "base64"));
    // 32x32 input enlarged 6x: three 192 px panels and a colour bar under two title lines.
    expect(png.height).toBe(4 + 16 + 4 + 16 + 192 + 14 + 4);
    expect(png.width).toBeGreaterThan(4 + 3 * (192 + 2) + 12);

    const bad = await k.run("viz.gradCam(net, shapesData.images.slice([0], [1]), { classIndex: 7 })");
    expect(bad.error?.evalue).toBe("viz.gradCam: classIndex must be an integer in 0..2; got 7.");
    const still = await k.run("net.layers.length");
    expect(still.reply.status).toBe("ok"); // the model survived the bad call
  });
});
