// The wasm convolution gradient kernels (Conv2DBackpropFilter/Input,
// DepthwiseConv2dNativeBackpropFilter/Input) against the cpu backend, and the
// dilated-conv gradient against an independent zero-inserted-filter reference.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { rotatedFilter } from "../../../lib/backend/wasm/conv-kernels.js";
import { expectSameBitsAsCpu, expectWasmMatchesCpu, runOn, seeded, setUpWasm, simdKernelsRunBy, worstError } from "./helpers.js";

type Pad = "same" | "valid" | tf.backend_util.ExplicitPadding;

beforeAll(setUpWasm);

/** Gradients of sum(conv(x, w) * r) for a fixed random r, so dy is not uniform. */
function convGrads(x: tf.Tensor4D, w: tf.Tensor4D, conv: (x: tf.Tensor4D, w: tf.Tensor4D) => tf.Tensor4D): tf.Tensor[] {
  const out = conv(x, w);
  const r = seeded(out.shape, 99);
  const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(conv(a as tf.Tensor4D, b as tf.Tensor4D), r)))([x, w]);
  return [out, dx, dw];
}

/** Zero-inserted filter: a dilated conv equals an undilated conv with it. */
function dilateFilter(w: tf.Tensor4D, d: number): tf.Tensor4D {
  const [kh, kw, ci, co] = w.shape;
  const spread = tf.pad(w.reshape([kh, 1, kw, 1, ci, co]), [[0, 0], [0, d - 1], [0, 0], [0, d - 1], [0, 0], [0, 0]]);
  return tf.slice(spread.reshape([kh * d, kw * d, ci, co]), [0, 0, 0, 0], [(kh - 1) * d + 1, (kw - 1) * d + 1, ci, co]) as tf.Tensor4D;
}
const conv2dCases: { name: string; x: number[]; f: number[]; strides: number | [number, number]; pad: Pad }[] = [
  { name: "3x3 stride 1 valid", x: [2, 9, 8, 3], f: [3, 3, 3, 4], strides: 1, pad: "valid" },
  { name: "3x3 stride 1 same", x: [2, 7, 9, 2], f: [3, 3, 2, 5], strides: 1, pad: "same" },
  { name: "3x3 stride 2 same (odd input)", x: [2, 9, 7, 3], f: [3, 3, 3, 4], strides: 2, pad: "same" },
  { name: "3x3 stride 2 valid (unused last rows)", x: [1, 10, 8, 2], f: [3, 3, 2, 3], strides: 2, pad: "valid" },
  { name: "1x1 stride 2 (ResNet shortcut)", x: [2, 8, 8, 4], f: [1, 1, 4, 6], strides: 2, pad: "same" },
  { name: "5x3 strides [1,2] same", x: [2, 9, 10, 2], f: [5, 3, 2, 3], strides: [1, 2], pad: "same" },
  { name: "2x2 stride 2 valid (patchify)", x: [2, 8, 8, 3], f: [2, 2, 3, 4], strides: 2, pad: "valid" },
  { name: "4x4 stride 4 valid (ViT patch 4)", x: [2, 16, 16, 3], f: [4, 4, 3, 8], strides: 4, pad: "valid" },
  { name: "4x4 stride 4 valid, rows and columns the patches leave out", x: [2, 10, 9, 3], f: [4, 4, 3, 8], strides: 4, pad: "valid" },
  { name: "4x4 stride 4 same on a multiple of 4 (patchify)", x: [1, 8, 12, 5], f: [4, 4, 5, 6], strides: 4, pad: "same" },
  { name: "4x4 stride 4 same with padding (not patchify)", x: [1, 10, 9, 2], f: [4, 4, 2, 3], strides: 4, pad: "same" },
  { name: "3x3 explicit pads", x: [1, 7, 7, 2], f: [3, 3, 2, 3], strides: 1, pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { name: "3x3 explicit pad wider than the filter (fallback)", x: [1, 6, 6, 2], f: [3, 3, 2, 2], strides: 1, pad: [[0, 0], [3, 3], [0, 4], [0, 0]] },
  // Shapes that take the SIMD filter gradient's register-blocked loop (input channels even,
  // output channels a multiple of 16); 3 images, so 2 threads split them unevenly.
  { name: "3x3 stride 1 same, 4 -> 16 channels (blocked)", x: [3, 10, 9, 4], f: [3, 3, 4, 16], strides: 1, pad: "same" },
  { name: "3x3 stride 2 same, 6 -> 32 channels (blocked)", x: [3, 9, 11, 6], f: [3, 3, 6, 32], strides: 2, pad: "same" },
  { name: "3x3 explicit pads, 2 -> 16 channels (blocked)", x: [3, 7, 8, 2], f: [3, 3, 2, 16], strides: [2, 1], pad: [[0, 0], [2, 0], [1, 2], [0, 0]] },
  { name: "1x1 stride 2, 8 -> 48 channels (blocked)", x: [3, 8, 8, 8], f: [1, 1, 8, 48], strides: 2, pad: "valid" },
];

describe("Conv2D gradients on wasm", () => {
  for (const c of conv2dCases) {
    it(`match cpu: ${c.name}`, async () => {
      await expectWasmMatchesCpu(() =>
        convGrads(seeded(c.x, 1) as tf.Tensor4D, seeded(c.f, 2) as tf.Tensor4D, (x, w) => tf.conv2d(x, w, c.strides, c.pad)),
      );
    });
  }

  it("a patchify input gradient is one product, without spreading dy with zeros", async () => {
    const dy = seeded([2, 4, 4, 8], 6);
    const filter = seeded([4, 4, 3, 8], 7);
    const inputGradient = () => tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { strides: 4, pad: "valid", inputShape: [2, 16, 16, 3] }) as tf.Tensor;
    const kernels = (await tf.profile(() => inputGradient())).kernelNames;
    expect(kernels).toContain("BatchMatMul");
    expect(kernels).not.toContain("PadV2");
    expect(kernels).not.toContain("Conv2D");
  });

  it("Conv2DBackpropFilter and Conv2DBackpropInput called as kernels, NCHW data format", async () => {
    await expectWasmMatchesCpu(() => {
      const x = seeded([2, 3, 8, 7], 3); // NCHW
      const dy = seeded([2, 4, 4, 4], 4); // NCHW, 3x3 stride 2 same
      const filter = seeded([3, 3, 3, 4], 5);
      const attrs = { strides: 2, pad: "same", dataFormat: "NCHW" };
      const dw = tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { ...attrs, filterShape: [3, 3, 3, 4] }) as tf.Tensor;
      const dx = tf.engine().runKernel("Conv2DBackpropInput", { dy, filter }, { ...attrs, inputShape: [2, 3, 8, 7] }) as tf.Tensor;
      return [dw, dx];
    });
  });
});

describe("dilated Conv2D gradients (tensorcell's gradient; tfjs has none)", () => {
  // Reference: a dilated conv equals an undilated conv with zeros inserted in the
  // filter; its gradients come from tfjs's own conv/pad/slice gradients on cpu.
  for (const [pad, d] of [["same", 2], ["valid", 2], ["same", 3]] as const) {
    it(`dilation ${d}, pad ${pad}: wasm and cpu both match the zero-inserted reference`, async () => {
      const x = () => seeded([2, 11, 10, 3], 7) as tf.Tensor4D;
      const w = () => seeded([3, 3, 3, 4], 8) as tf.Tensor4D;
      const reference = await runOn("cpu", () => convGrads(x(), w(), (a, b) => tf.conv2d(a, dilateFilter(b, d), 1, pad)));
      for (const backend of ["wasm", "cpu"]) {
        const actual = await runOn(backend, () => convGrads(x(), w(), (a, b) => tf.conv2d(a, b, 1, pad, "NHWC", d)));
        reference.forEach((r, i) => {
          expect(actual[i].shape).toEqual(r.shape);
          expect(worstError(actual[i].values, r.values, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
        });
      }
      await tf.setBackend("wasm");
    });
  }
});

describe("depthwise conv gradients on wasm", () => {
  const cases: { name: string; x: number[]; f: number[]; strides: number; pad: "same" | "valid" }[] = [
    { name: "3x3 multiplier 1 stride 1 same", x: [2, 8, 9, 4], f: [3, 3, 4, 1], strides: 1, pad: "same" },
    { name: "3x3 multiplier 2 stride 1 valid", x: [2, 7, 7, 3], f: [3, 3, 3, 2], strides: 1, pad: "valid" },
    { name: "3x3 multiplier 1 stride 2 same", x: [2, 9, 8, 4], f: [3, 3, 4, 1], strides: 2, pad: "same" },
    { name: "5x5 multiplier 3 stride 2 valid", x: [1, 11, 12, 2], f: [5, 5, 2, 3], strides: 2, pad: "valid" },
    { name: "7x7 multiplier 1 stride 1 same (ConvNeXt)", x: [1, 9, 9, 4], f: [7, 7, 4, 1], strides: 1, pad: "same" },
  ];
  for (const c of cases) {
    it(`match cpu: ${c.name}`, async () => {
      await expectWasmMatchesCpu(() =>
        convGrads(seeded(c.x, 11) as tf.Tensor4D, seeded(c.f, 12) as tf.Tensor4D, (x, w) => tf.depthwiseConv2d(x, w, c.strides, c.pad)),
      );
    });
  }

  // tfjs's cpu DepthwiseConv2dNativeBackpropFilter ignores dilations (tfjs never calls
  // it with dilation > 1), so the reference is the zero-inserted filter on cpu.
  for (const [pad, d, m] of [["same", 2, 1], ["valid", 2, 2], ["same", 3, 2]] as const) {
    it(`kernels with dilation ${d}, multiplier ${m}, pad ${pad} match the zero-inserted reference`, async () => {
      const xShape = [2, 12, 11, 3];
      const fShape = [3, 3, 3, m];
      const x = () => seeded(xShape, 13) as tf.Tensor4D;
      const w = () => seeded(fShape, 14) as tf.Tensor4D;
      const outShape = tf.tidy(() => tf.depthwiseConv2d(x(), w(), 1, pad, "NHWC", d).shape);
      const dy = () => seeded(outShape, 15);
      const reference = await runOn("cpu", () =>
        tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.depthwiseConv2d(a as tf.Tensor4D, dilateFilter(b as tf.Tensor4D, d), 1, pad), dy())))([x(), w()]),
      );
      const actual = await runOn("wasm", () => {
        const attrs = { strides: 1, pad, dilations: d };
        const dx = tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy: dy(), filter: w() }, { ...attrs, inputShape: xShape }) as tf.Tensor;
        const dw = tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x: x(), dy: dy() }, { ...attrs, filterShape: fShape }) as tf.Tensor;
        return [dx, dw];
      });
      reference.forEach((r, i) => {
        expect(actual[i].shape).toEqual(r.shape);
        expect(worstError(actual[i].values, r.values, 1e-3, 1e-4)).toBeLessThanOrEqual(1);
      });
    });
  }

  it("separableConv2d layer gradients match cpu", async () => {
    await expectWasmMatchesCpu(() => {
      const x = seeded([2, 8, 8, 3], 16) as tf.Tensor4D;
      const depthwise = seeded([3, 3, 3, 2], 17) as tf.Tensor4D;
      const pointwise = seeded([1, 1, 6, 5], 18) as tf.Tensor4D;
      const r = seeded([2, 8, 8, 5], 19);
      return tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.sum(tf.mul(tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, 1, "same"), r)),
      )([x, depthwise, pointwise]);
    });
  });
});

describe("the rotated filter of an input gradient (rotateFilter kernel)", () => {
  beforeAll(setUpWasm);

  // Square, non-square and 1-wide filters, Ci != Co both ways, and a 1x1 channel swap.
  for (const shape of [[3, 3, 16, 32], [3, 3, 32, 16], [5, 3, 3, 7], [1, 4, 2, 5], [1, 1, 6, 4]]) {
    it(`[${shape}]: the same bits as tfjs's reverse and transpose, on the kernel`, async () => {
      const filter = () => seeded(shape, 21) as tf.Tensor4D;
      const expected = (await runOn("wasm", () => tf.transpose(tf.reverse(filter(), [0, 1]), [0, 1, 3, 2])))[0]!;
      const actual = (await runOn("wasm", () => rotatedFilter(filter())))[0]!;
      expect(actual.shape).toEqual([shape[0], shape[1], shape[3], shape[2]]);
      expect(Array.from(actual.values)).toEqual(Array.from(expected.values));
      expect(simdKernelsRunBy(() => { rotatedFilter(filter()); })).toEqual(["rotateFilter"]);
    });
  }

  it("int32 filters keep tfjs's ops, and nothing leaks", async () => {
    await tf.setBackend("wasm");
    const filter = tf.tensor4d([1, 2, 3, 4, 5, 6, 7, 8], [2, 2, 1, 2], "int32");
    const before = tf.memory().numTensors;
    expect(simdKernelsRunBy(() => { rotatedFilter(filter); })).toEqual([]);
    const rotated = tf.tidy(() => rotatedFilter(filter));
    expect(rotated.dtype).toBe("int32");
    expect(Array.from(await rotated.data())).toEqual([7, 8, 5, 6, 3, 4, 1, 2]);
    rotated.dispose();
    expect(tf.memory().numTensors).toBe(before);
    filter.dispose();
  });

  it("a stride-1 input gradient through it matches cpu's", async () => {
    await expectSameBitsAsCpu(() => tf.transpose(tf.reverse(seeded([3, 3, 8, 16], 22) as tf.Tensor4D, [0, 1]), [0, 1, 3, 2]));
    await expectWasmMatchesCpu(() => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, seeded([3, 3, 8, 16], 23) as tf.Tensor4D, 1, "same"), seeded([2, 6, 6, 16], 24))))(seeded([2, 6, 6, 8], 25)));
  });
});
