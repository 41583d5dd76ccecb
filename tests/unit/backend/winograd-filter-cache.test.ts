// The Winograd-domain filters kept for filters used again (lib/backend/wasm/derived-data.ts,
// winograd-conv.ts's transformedFilters), on the default wasm backend: kept from a filter's
// second use on with the same bits as transforming anew, never reused for new weights (a
// model's setWeights, an optimizer step) or for another view of the same data, freed with
// their filter, held to the byte budget least recently used first, and nothing kept by
// training steps.
import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { transformedFilters } from "../../../lib/backend/wasm/winograd-conv.js";
import { expectWasmMatchesCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";

beforeAll(setUpWasm);

const budget = transformedFilters.budgetBytes;
afterEach(() => {
  transformedFilters.budgetBytes = budget;
});

const conv = (x: tf.Tensor, w: tf.Tensor) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, "same");
/** Bytes of the transform of a [3, 3, ci, co] filter: 36 points of Ci x Co floats. */
const transformBytes = (ci: number, co: number) => 36 * ci * co * 4;

describe("Winograd-domain filters kept for filters used again", () => {
  it("a filter's third call runs no transform, with the bits of a new filter of the same values", () => {
    const x = seeded([2, 8, 8, 16], 1);
    const w = seeded([3, 3, 16, 32], 2);
    const kernels = [1, 2, 3].map(() => simdKernelsRunBy(() => conv(x, w)));
    expect(kernels).toEqual([["winogradFilter3x3", "winogradConv3x3"], ["winogradFilter3x3", "winogradConv3x3"], ["winogradConv3x3"]]);
    const fresh = tf.tidy(() => conv(x, tf.add(w, 0)).dataSync());
    const kept = tf.tidy(() => conv(x, w).dataSync());
    expect(Buffer.from(kept.buffer).equals(Buffer.from(fresh.buffer))).toBe(true);
    tf.dispose([x, w]);
  });

  it("a model predicts with new weights at once after setWeights", async () => {
    const model = tf.sequential({ layers: [tf.layers.conv2d({ inputShape: [6, 6, 8], filters: 16, kernelSize: 3, padding: "same", useBias: false })] });
    const x = seeded([1, 6, 6, 8], 3);
    for (let i = 0; i < 3; i++) tf.dispose(model.predict(x));
    const newWeights = seeded([3, 3, 8, 16], 4);
    model.setWeights([newWeights]);
    const predicted = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const expected = tf.tidy(() => conv(x, tf.add(newWeights, 0)).dataSync());
    expect([...predicted]).toEqual([...expected]);
    tf.dispose([x, newWeights]);
    model.dispose();
  });

  it("a reshape of a kept filter's data (same dataId, other channels) gets its own transform, matching cpu", async () => {
    const w = seeded([3, 3, 16, 32], 5);
    const x16 = seeded([1, 6, 6, 16], 6);
    for (let i = 0; i < 3; i++) tf.dispose(conv(x16, w));
    expect(simdKernelsRunBy(() => conv(x16, w))).toEqual(["winogradConv3x3"]);
    const other = () => conv(seeded([1, 6, 6, 32], 7), tf.reshape(w, [3, 3, 32, 16]));
    expect(simdKernelsRunBy(other)).toEqual(["winogradFilter3x3", "winogradConv3x3"]);
    await expectWasmMatchesCpu(() => conv(seeded([1, 6, 6, 32], 7), tf.reshape(seeded([3, 3, 16, 32], 5), [3, 3, 32, 16])), 1e-4, 1e-5);
    tf.dispose([w, x16]);
  });

  it("is freed with its filter: no data buffer or byte left behind", () => {
    const [buffersBefore, bytesBefore] = [tf.memory().numDataBuffers, transformedFilters.bytes];
    const w = seeded([3, 3, 16, 16], 8);
    const x = seeded([1, 8, 8, 16], 9);
    for (let i = 0; i < 3; i++) tf.dispose(conv(x, w));
    expect(transformedFilters.bytes).toBe(bytesBefore + transformBytes(16, 16));
    tf.dispose([w, x]);
    expect(transformedFilters.bytes).toBe(bytesBefore);
    expect(tf.memory().numDataBuffers).toBe(buffersBefore);
  });

  it("keeps at most its budget, least recently used out first; budget 0 keeps nothing", () => {
    transformedFilters.clear();
    transformedFilters.budgetBytes = 2 * transformBytes(16, 16);
    const x = seeded([1, 8, 8, 16], 10);
    const [a, b, c] = [11, 12, 13].map((seed) => seeded([3, 3, 16, 16], seed));
    const transforms = (w: tf.Tensor) => simdKernelsRunBy(() => conv(x, w)).filter((k) => k === "winogradFilter3x3").length;
    for (const w of [a, b]) tf.dispose([conv(x, w), conv(x, w)]);
    expect([transforms(a), transforms(b)]).toEqual([0, 0]);
    tf.dispose([conv(x, c!), conv(x, c!)]); // c kept, a (least recently used) out
    expect(transformedFilters.bytes).toBe(2 * transformBytes(16, 16));
    expect([transforms(b), transforms(c!)]).toEqual([0, 0]);
    expect(transforms(a!)).toBe(1); // transformed again and kept: b, used before c, goes
    expect(transforms(c!)).toBe(0);
    expect(transforms(b!)).toBe(1); // kept again: a goes (c was used after it)
    expect([transforms(c!), transforms(b!), transforms(a!)]).toEqual([0, 0, 1]);

    transformedFilters.budgetBytes = 0;
    transformedFilters.clear();
    expect(transformedFilters.bytes).toBe(0);
    expect([transforms(a!), transforms(a!), transforms(a!)]).toEqual([1, 1, 1]);
    expect(transformedFilters.bytes).toBe(0);
    tf.dispose([x, a!, b!, c!]);
  });

  it("a frozen convolution's transform is kept while the layers after it train, and training matches training without keeping", async () => {
    const build = () => {
      const frozen = tf.layers.conv2d({ inputShape: [6, 6, 4], filters: 16, kernelSize: 3, padding: "same", kernelInitializer: tf.initializers.glorotUniform({ seed: 3 }) });
      const model = tf.sequential({ layers: [frozen, tf.layers.flatten(), tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 4 }) })] });
      frozen.trainable = false;
      model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
      return model;
    };
    const x = seeded([4, 6, 6, 4], 16);
    const y = seeded([4, 2], 17);
    const train = async (model: tf.LayersModel) => {
      const transforms: number[] = [];
      for (let step = 0; step < 3; step++) {
        const before = transformedFilters.bytes;
        await model.trainOnBatch(x, y);
        transforms.push(transformedFilters.bytes - before);
      }
      const values = Array.from(tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync()));
      model.dispose();
      return { transforms, values };
    };
    transformedFilters.clear();
    const kept = await train(build());
    expect(kept.transforms).toEqual([0, transformBytes(4, 16), 0]); // kept at its second use, then reused
    expect(transformedFilters.bytes).toBe(0); // freed with the model
    transformedFilters.budgetBytes = 0;
    const plain = await train(build());
    expect(kept.values).toEqual(plain.values);
    tf.dispose([x, y]);
  });

  it("training steps keep nothing (every step brings new weights); a kept filter goes with the step that replaces it; same values as without keeping", async () => {
    const build = () => {
      const model = tf.sequential({ layers: [
        tf.layers.conv2d({ inputShape: [6, 6, 4], filters: 16, kernelSize: 3, padding: "same", activation: "relu", kernelInitializer: tf.initializers.glorotUniform({ seed: 1 }) }),
        tf.layers.flatten(), tf.layers.dense({ units: 2, kernelInitializer: tf.initializers.glorotUniform({ seed: 2 }) }),
      ] });
      model.compile({ optimizer: tf.train.sgd(0.1), loss: "meanSquaredError" });
      return model;
    };
    const x = seeded([4, 6, 6, 4], 14);
    const y = seeded([4, 2], 15);
    const predict = (model: tf.LayersModel) => tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync());
    const trainAndPredict = async (model: tf.LayersModel, bytesAfter: (phase: string) => void) => {
      for (let step = 0; step < 3; step++) await model.trainOnBatch(x, y);
      bytesAfter("training");
      predict(model);
      const values = predict(model);
      bytesAfter("two predicts");
      await model.trainOnBatch(x, y);
      bytesAfter("a step after them");
      return [...values, ...predict(model)];
    };
    transformedFilters.clear();
    const kept = build();
    const seen: Record<string, number> = {};
    const withKeeping = await trainAndPredict(kept, (phase) => { seen[phase] = transformedFilters.bytes; });
    expect(seen).toEqual({ training: 0, "two predicts": transformBytes(4, 16), "a step after them": 0 });
    transformedFilters.budgetBytes = 0;
    const plain = build();
    const without = await trainAndPredict(plain, () => {});
    expect(withKeeping).toEqual(without);
    tf.dispose([x, y]);
    kept.dispose();
    plain.dispose();
  });
});
