// Hashed dropout masks (lib/backend/dropout-mask.ts) and the library's Dropout layer
// (lib/layers/dropout.ts), on the default backend (wasm with tensorcell's kernels): the wasm
// kernel, the cpu backend and the JavaScript formula give the same bits; the masks drop the
// asked share and scale the rest as tf.dropout; seeded runs repeat; the layer is tfjs-layers'
// Dropout everywhere but in training (class name, inference, saving); bad rates and dtypes
// get a clear error with nothing leaked; the library's models use it.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { seeded, setUpWasm, simdKernelsRunBy } from "../backend/helpers.js";
import { dropoutMask, dropoutMaskAttrs, dropoutMaskValues, fastDropout } from "../../../lib/backend/dropout-mask.js";
import { dropout, HashedMaskDropout } from "../../../lib/layers/dropout.js";
import { models } from "../../../lib/models/index.js";
import type { ModelOptions } from "../../../lib/models/registry.js";
import { seed, unseed } from "../../../lib/repro/seed.js";

beforeAll(setUpWasm);

const values = (t: tf.Tensor) => Array.from(t.dataSync());

describe("hashed dropout masks", () => {
  it("are the same bits from the wasm kernel, the cpu backend and the JavaScript formula", async () => {
    const shape = [300, 77];
    const attrs = dropoutMaskAttrs(shape, 0.3, 1234);
    const expected = Array.from(dropoutMaskValues(300 * 77, attrs));
    const onWasm = dropoutMask(shape, 0.3, 1234);
    expect(onWasm.shape).toEqual(shape);
    expect(values(onWasm)).toEqual(expected);
    expect(simdKernelsRunBy(() => dropoutMask(shape, 0.3, 1234))).toEqual(["dropoutMask"]);
    await tf.setBackend("cpu");
    try {
      const onCpu = dropoutMask(shape, 0.3, 1234);
      expect(values(onCpu)).toEqual(expected);
      onCpu.dispose();
    } finally {
      await tf.setBackend("wasm");
    }
    onWasm.dispose();
  });

  for (const rate of [0.1, 0.5, 0.9]) {
    it(`drop about ${rate} of 200,000 elements and scale the rest by 1 / (1 - rate), as tf.dropout`, () => {
      const mask = values(dropoutMask([200_000], rate));
      const scale = tf.tidy(() => tf.div(tf.scalar(1), tf.scalar(1 - rate)).dataSync()[0]!);
      expect(new Set(mask)).toEqual(new Set([0, scale]));
      const dropped = mask.filter((v) => v === 0).length / mask.length;
      // 200,000 Bernoulli draws: the share's standard deviation is under 0.0012.
      expect(Math.abs(dropped - rate)).toBeLessThan(0.006);
    });
  }

  it("differ from call to call, and repeat under the same seed", () => {
    seed(5);
    const [a, b] = [values(dropoutMask([4096], 0.5)), values(dropoutMask([4096], 0.5))];
    seed(5);
    const [c, d] = [values(dropoutMask([4096], 0.5)), values(dropoutMask([4096], 0.5))];
    unseed();
    expect(a).not.toEqual(b);
    expect([c, d]).toEqual([a, b]);
    // Neighbouring elements are not correlated: the same-value share of adjacent pairs is about 1/2.
    const same = a.slice(1).filter((v, i) => v === a[i]).length / (a.length - 1);
    expect(Math.abs(same - 0.5)).toBeLessThan(0.05);
  });

  it("fastDropout multiplies by the mask (broadcast over a noise shape) and passes gradients through it", () => {
    const x = seeded([64, 6], 1);
    const out = fastDropout(x, 0.5, [64, 1], 99);
    const mask = dropoutMask([64, 1], 0.5, 99);
    expect(values(out)).toEqual(values(tf.mul(x, mask)));
    const rows = values(mask);
    values(out).forEach((v, i) => rows[Math.floor(i / 6)] === 0 && expect(Math.abs(v)).toBe(0));
    const r = seeded([64, 6], 2);
    const [dx] = tf.grads((t: tf.Tensor) => tf.sum(tf.mul(fastDropout(t, 0.5, [64, 1], 99), r)))([x]);
    expect(values(dx!)).toEqual(values(tf.mul(r, mask)));
    expect(values(fastDropout(x, 0))).toEqual(values(x));
    tf.dispose([x, out, mask, r, dx!]);
  });

  it("refuse a rate outside [0, 1) or a non-float tensor with a clear error, leaking nothing", () => {
    const x = seeded([8, 4], 3);
    const before = tf.memory().numTensors;
    expect(() => fastDropout(x, 1)).toThrow("dropout rate must be in [0, 1), got 1.");
    expect(() => fastDropout(x, -0.1)).toThrow("dropout rate must be in [0, 1), got -0.1.");
    expect(() => dropoutMask([8], Number.NaN)).toThrow("dropout rate must be in [0, 1), got NaN.");
    const ints = tf.tensor1d([1, 2], "int32");
    expect(() => fastDropout(ints, 0.5)).toThrow("dropout needs a float32 tensor, got int32.");
    expect(tf.memory().numTensors).toBe(before + 1);
    tf.dispose([x, ints]);
  });
});

describe("the library's Dropout layer", () => {
  it("drops in training with the hashed mask, passes inputs through at inference, and keeps tfjs's class name", () => {
    const layer = dropout({ rate: 0.4, seed: 7 });
    expect(layer).toBeInstanceOf(HashedMaskDropout);
    expect(layer.getClassName()).toBe("Dropout");
    const x = seeded([32, 10], 4);
    const trained = layer.apply(x, { training: true }) as tf.Tensor;
    expect(values(trained)).toEqual(values(tf.mul(x, dropoutMask([32, 10], 0.4, 7))));
    expect(values(layer.apply(x) as tf.Tensor)).toEqual(values(x));
    expect(values(layer.apply(x, { training: false }) as tf.Tensor)).toEqual(values(x));
    // A seeded layer gives the same mask on every call, as tfjs's does.
    expect(values(layer.apply(x, { training: true }) as tf.Tensor)).toEqual(values(trained));
  });

  it("saves as tfjs-layers' Dropout and loads back into plain tfjs", async () => {
    const input = tf.input({ shape: [5] });
    const model = tf.model({ inputs: input, outputs: dropout({ rate: 0.25, name: "drop" }).apply(input) as tf.SymbolicTensor });
    const json = model.toJSON(null, false) as { config: { layers: { class_name: string; config: { rate: number } }[] } };
    expect(json.config.layers[1]).toMatchObject({ class_name: "Dropout", config: { rate: 0.25 } });
    const loaded = await tf.models.modelFromJSON({ modelTopology: model.toJSON(null, false) } as tf.io.ModelJSON);
    expect(loaded.getLayer("drop").getClassName()).toBe("Dropout");
  });

  it("is the dropout of the library's models (GCN, GIN, reference CNN)", () => {
    const graphOptions: ModelOptions = { inputShape: [20], numClasses: 3 };
    for (const [name, options] of [["gcn", graphOptions], ["gin", graphOptions], ["mnist_cnn", {}]] as [string, ModelOptions][]) {
      const model = models.create(name, options);
      const drops = model.layers.filter((l) => l.getClassName() === "Dropout");
      expect(drops.length, name).toBeGreaterThan(0);
      for (const layer of drops) expect(layer, name).toBeInstanceOf(HashedMaskDropout);
      model.dispose();
    }
  });
});
