// Winograd F(4x4, 3x3) Conv2D and FusedConv2D, and the F(3x3, 4x4) filter gradient, on wasm
// (tensorcell's SIMD kernels on the kernel pool) against the cpu backend's direct convolution: 'same', 'valid' and explicit
// paddings, odd output sizes (partial tiles), one image split into many tile rows, bias and
// ReLU, the gradients of a training step (the input gradient is a Winograd conv too), and
// the shapes that must keep XNNPACK. The pool is watched, so a case that silently fell back
// to the native kernel, or one that should have fallen back and did not, fails.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { expectWasmMatchesCpu, seeded, setUpWasm, simdKernelsRunBy } from "./helpers.js";
import { backendInfo } from "../../../lib/backend/index.js";

beforeAll(setUpWasm);

type Pad = "valid" | "same" | tf.backend_util.ExplicitPadding;

// The transforms reassociate each output's sum of 9*Ci products: float32 rounding, relative to the largest output.
// F(4x4, 3x3)'s transforms have coefficients up to 8: at 64 input channels its worst error was
// 4e-6 of the largest output (F(2x2, 3x3): under 2e-6), so the absolute part allows 1e-5.
const RTOL = 1e-4;
const ATOL_SCALE = 1e-5;

const cases: { name: string; x: number[]; filter: number[]; pad: Pad }[] = [
  { name: "'same', odd height and width (partial tiles on both edges)", x: [2, 9, 7, 16], filter: [3, 3, 16, 16], pad: "same" },
  { name: "'same', 6x10 (2 pixels of the last tile row and column)", x: [3, 6, 10, 8], filter: [3, 3, 8, 16], pad: "same" },
  { name: "'valid', 8 -> 32 channels", x: [3, 10, 11, 8], filter: [3, 3, 8, 32], pad: "valid" },
  { name: "explicit uneven padding", x: [2, 9, 7, 8], filter: [3, 3, 8, 32], pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
  { name: "padding 2 on every side (an input gradient's shape)", x: [2, 6, 6, 4], filter: [3, 3, 4, 16], pad: [[0, 0], [2, 2], [2, 2], [0, 0]] },
  { name: "one image, 45 tiles split between threads", x: [1, 33, 17, 4], filter: [3, 3, 4, 16], pad: "same" },
  { name: "ResNet-20 stage 3 (64 channels, 8x8)", x: [4, 8, 8, 64], filter: [3, 3, 64, 64], pad: "same" },
  { name: "64 -> 128 channels (filter transforms split between threads, a 16-tile block)", x: [2, 6, 10, 64], filter: [3, 3, 64, 128], pad: "same" },
];

describe("Winograd convolutions on wasm", () => {
  it("are tensorcell's kernels (listed as replaced)", () => {
    expect(backendInfo().kernelsReplaced).toEqual(expect.arrayContaining(["Conv2D", "FusedConv2D"]));
  });

  for (const c of cases) {
    it(`Conv2D, ${c.name}: matches cpu`, async () => {
      const compute = () => tf.conv2d(seeded(c.x, 1) as tf.Tensor4D, seeded(c.filter, 2) as tf.Tensor4D, 1, c.pad);
      await expectWasmMatchesCpu(compute, RTOL, ATOL_SCALE);
      expect(simdKernelsRunBy(compute)).toEqual(["winogradFilter3x3", "winogradConv3x3"]);
    });
  }

  for (const c of cases) {
    it(`Conv2DBackpropFilter, ${c.name}: matches cpu`, async () => {
      const dyShape = tf.tidy(() => tf.conv2d(seeded(c.x, 1) as tf.Tensor4D, seeded(c.filter, 2) as tf.Tensor4D, 1, c.pad).shape);
      const compute = () => tf.grad((w: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(seeded(c.x, 1) as tf.Tensor4D, w as tf.Tensor4D, 1, c.pad), seeded(dyShape, 3))))(seeded(c.filter, 2));
      await expectWasmMatchesCpu(compute, RTOL, ATOL_SCALE);
      expect(simdKernelsRunBy(compute)).toContain("winogradFilterGradient");
    });
  }

  for (const activation of ["linear", "relu"] as const) {
    it(`FusedConv2D with a bias and ${activation}: matches cpu`, async () => {
      const compute = () => tf.fused.conv2d({
        x: seeded([2, 7, 9, 8], 3) as tf.Tensor4D, filter: seeded([3, 3, 8, 16], 4) as tf.Tensor4D,
        strides: 1, pad: "same", bias: seeded([16], 5), activation,
      });
      await expectWasmMatchesCpu(compute, RTOL, ATOL_SCALE);
      expect(simdKernelsRunBy(compute)).toEqual(["winogradFilter3x3", "winogradConv3x3"]);
    });
  }

  it("a training step's gradients match cpu, the input gradient on the Winograd kernel", async () => {
    const x = () => seeded([2, 8, 8, 16], 6) as tf.Tensor4D;
    const w = () => seeded([3, 3, 16, 32], 7) as tf.Tensor4D;
    const r = () => seeded([2, 8, 8, 32], 8);
    const gradients = () => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, "same"), r())))([x(), w()]);
    await expectWasmMatchesCpu(gradients, RTOL, ATOL_SCALE);
    // Forward, then the input gradient (dy with the rotated filter: 32 -> 16 channels), then the filter gradient.
    // (The loss's same-shape multiplies run on the pool too: only the convolutions' kernels are listed.)
    expect(simdKernelsRunBy(gradients).filter((k) => k.startsWith("winograd"))).toEqual(["winogradFilter3x3", "winogradConv3x3", "winogradFilter3x3", "winogradConv3x3", "winogradFilterGradient", "winogradGradientFilter3x3"]);
  });

  const native: { name: string; compute: () => tf.Tensor }[] = [
    { name: "stride 2", compute: () => tf.conv2d(seeded([2, 8, 8, 16], 1) as tf.Tensor4D, seeded([3, 3, 16, 16], 2) as tf.Tensor4D, 2, "same") },
    { name: "dilation 2", compute: () => tf.conv2d(seeded([2, 9, 9, 16], 1) as tf.Tensor4D, seeded([3, 3, 16, 16], 2) as tf.Tensor4D, 1, "same", "NHWC", 2) },
    { name: "a 5x5 filter", compute: () => tf.conv2d(seeded([2, 8, 8, 16], 1) as tf.Tensor4D, seeded([5, 5, 16, 16], 2) as tf.Tensor4D, 1, "same") },
    { name: "3 input channels", compute: () => tf.conv2d(seeded([2, 8, 8, 3], 1) as tf.Tensor4D, seeded([3, 3, 3, 16], 2) as tf.Tensor4D, 1, "same") },
    { name: "8 output channels", compute: () => tf.conv2d(seeded([2, 8, 8, 16], 1) as tf.Tensor4D, seeded([3, 3, 16, 8], 2) as tf.Tensor4D, 1, "same") },
    {
      name: "an ELU activation",
      compute: () => tf.fused.conv2d({ x: seeded([2, 8, 8, 16], 1) as tf.Tensor4D, filter: seeded([3, 3, 16, 16], 2) as tf.Tensor4D, strides: 1, pad: "same", activation: "elu" }),
    },
  ];
  for (const c of native) {
    it(`${c.name}: keeps the native kernel and matches cpu`, async () => {
      await expectWasmMatchesCpu(c.compute, RTOL, ATOL_SCALE);
      expect(simdKernelsRunBy(c.compute)).toEqual([]);
    });
  }
});
