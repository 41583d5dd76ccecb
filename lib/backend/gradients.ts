/**
 * Gradient overrides for tfjs-core that remove performance traps in training.
 * They apply to every backend (gradients are backend-independent) and give the
 * same values as tfjs's own gradients (checked in tests/unit/backend).
 */
import * as tf from "@tensorflow/tfjs";

/**
 * Tile: tfjs-core's gradient adds one slice of dy per repetition (a loop of
 * slice+add kernels, thousands per step for LayerNormalization, which tiles its
 * statistics to the full input). The gradient of tile is a sum over the
 * repetitions: reshape dy to [r0, d0, r1, d1, ...] and sum the r axes.
 */
export const tileGradient: tf.GradConfig = {
  kernelName: "Tile",
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    const grad = dy as tf.Tensor;
    return {
      x: () => {
        const repsShape: number[] = [];
        const repAxes: number[] = [];
        x.shape.forEach((size, axis) => {
          const reps = grad.shape[axis] / size;
          if (reps !== 1) repAxes.push(repsShape.length);
          repsShape.push(reps, size);
        });
        if (repAxes.length === 0) return grad.clone();
        return tf.sum(tf.reshape(grad, repsShape), repAxes).reshape(x.shape);
      },
    };
  },
};

/**
 * FusedBatchNorm: tfjs-core's gradient tiles the per-channel 1/sqrt(var + eps)
 * to the full activation before multiplying dy (a Tile kernel per BatchNorm
 * layer; wasm's Tile is a scalar loop, 3.3 s of a ResNet-20 training step).
 * Broadcasting gives the same values. With r = 1/sqrt(var + eps), s = scale
 * (1 when absent) and sums over the axes the parameters are broadcast along:
 * dx = dy*r*s, doffset = sum(dy), dscale = sum(dy*(x-mean))*r,
 * dmean = -sum(dy)*r*s, dvariance = -r^3/2 * s * sum(dy*(x-mean)).
 * The kernel's x is always 4-D (tf.batchNorm reshapes 1-3-D inputs); the
 * parameters are rank 1 (channels last) or broadcastable to x.
 */
export const fusedBatchNormGradient: tf.GradConfig = {
  kernelName: "FusedBatchNorm",
  inputsToSave: ["x", "mean", "variance", "scale"],
  gradFunc: (dy, saved, attrs) => {
    const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
    const [x, mean, variance, scale] = saved as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor | undefined];
    const grad = dy as tf.Tensor;
    const sameShape = (t: tf.Tensor | undefined) => t == null || tf.util.arraysEqual(t.shape, mean.shape);
    if (!sameShape(variance) || !sameShape(scale)) return batchNormGradientsBroadcastEach(grad, x, mean, variance, scale, varianceEpsilon);
    // Per-channel factors (small) and the two reductions every parameter gradient uses; computed
    // once here, they live until the backward pass ends (as tfjs's own eager x-mean did, full size).
    const r = tf.rsqrt(tf.add(variance, varianceEpsilon));
    const rTimesScale = scale == null ? r : tf.mul(r, scale);
    const sumDy = reduceToShape(grad, mean.shape);
    const sumDyCentered = tf.tidy(() => reduceToShape(tf.mul(grad, tf.sub(x, mean)), mean.shape));
    return {
      x: () => tf.mul(grad, rTimesScale),
      mean: () => tf.neg(tf.mul(sumDy, rTimesScale)),
      variance: () => tf.mul(tf.mul(tf.mul(tf.mul(r, r), rTimesScale), -0.5), sumDyCentered),
      scale: () => tf.mul(sumDyCentered, r),
      offset: () => sumDy.clone(),
    };
  },
};

/** Sums `t` over the axes along which a tensor of `shape` was broadcast to t's shape, then gives it that shape. */
function reduceToShape(t: tf.Tensor, shape: number[]): tf.Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, t.shape);
  return tf.reshape(axes.length > 0 ? tf.sum(t, axes) : t, shape);
}

/** The batch-norm gradients for parameters of different (broadcastable) shapes: each formula at full size, reduced to its input. */
function batchNormGradientsBroadcastEach(
  dy: tf.Tensor, x: tf.Tensor, mean: tf.Tensor, variance: tf.Tensor, scale: tf.Tensor | undefined, varianceEpsilon: number,
): Record<string, () => tf.Tensor> {
  const scaleValue = scale ?? tf.scalar(1);
  const r = () => tf.rsqrt(tf.add(variance, varianceEpsilon));
  return {
    x: () => tf.mul(tf.mul(dy, r()), scaleValue),
    mean: () => reduceToShape(tf.neg(tf.mul(tf.mul(dy, r()), scaleValue)), mean.shape),
    variance: () => reduceToShape(tf.mul(tf.mul(tf.mul(tf.pow(r(), 3), -0.5), tf.sub(x, mean)), tf.mul(dy, scaleValue)), variance.shape),
    scale: () => reduceToShape(tf.mul(dy, tf.mul(tf.sub(x, mean), r())), scaleValue.shape),
    offset: () => reduceToShape(dy, mean.shape),
  };
}

/**
 * Sum and Mean: tfjs-core broadcasts dy to x's shape by multiplying with
 * `tf.ones(x.shape)`, which fills a JavaScript array element by element and
 * uploads it (16 ms per 64x32x32x16 batch-norm layer's two means on wasm: the
 * largest single cost of a ResNet-20 step, bench/train/op-costs.ts). A Fill
 * kernel makes the same ones in the backend. Values are unchanged: dy * 1 is
 * exact, and for Mean (dy / n) * 1 equals tfjs's (dy * 1) / n.
 */
export const sumGradient: tf.GradConfig = {
  kernelName: "Sum",
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const expanded = expandReducedAxes(dy as tf.Tensor, x.shape, (attrs as unknown as { axis: number | number[] }).axis);
    return { x: () => tf.mul(expanded, tf.fill(x.shape, 1)) };
  },
};

/** Mean: see sumGradient. */
export const meanGradient: tf.GradConfig = {
  kernelName: "Mean",
  inputsToSave: ["x"],
  gradFunc: (dy, saved, attrs) => {
    const [x] = saved;
    const axis = (attrs as unknown as { axis: number | number[] }).axis;
    const reducedSize = tf.util.parseAxisParam(axis, x.shape).reduce((size, a) => size * x.shape[a]!, 1);
    return { x: () => tf.mul(tf.div(expandReducedAxes(dy as tf.Tensor, x.shape, axis), reducedSize), tf.fill(x.shape, 1)) };
  },
};

/** dy of a reduction reshaped to x's rank, with size 1 along the reduced axes. */
function expandReducedAxes(dy: tf.Tensor, xShape: number[], axis: number | number[]): tf.Tensor {
  const expandedShape = xShape.slice();
  for (const a of tf.util.parseAxisParam(axis, xShape)) expandedShape[a] = 1;
  return tf.reshape(dy, expandedShape);
}

/**
 * Conv2D: tfjs-core refuses gradients of dilated convolutions ("dilation rates
 * greater than 1 are not yet supported in gradients"). With dilation d (stride
 * 1, as tfjs requires one of them to be 1) both gradients are ordinary convs:
 * dx is a "full" conv of dy with the rotated, dilated filter, and dW is a conv
 * of x (channels as batch) with dy as filter and stride d. Undilated convs keep
 * tfjs's own gradient (Conv2DBackpropInput/Filter kernels).
 */
export const conv2dGradient: tf.GradConfig = {
  kernelName: "Conv2D",
  inputsToSave: ["x", "filter"],
  gradFunc: (dy, saved, attrs) => {
    const [x, filter] = saved as [tf.Tensor4D, tf.Tensor4D];
    const a = attrs as unknown as { strides: [number, number] | number; pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding; dataFormat: "NHWC" | "NCHW"; dilations: [number, number] | number; dimRoundingMode?: "floor" | "round" | "ceil" };
    const dilations = typeof a.dilations === "number" ? [a.dilations, a.dilations] : (a.dilations ?? [1, 1]);
    const dy4 = dy as tf.Tensor4D;
    if (dilations[0] === 1 && dilations[1] === 1) {
      return {
        x: () => tf.engine().runKernel("Conv2DBackpropInput", { dy: dy4, filter }, { strides: a.strides, pad: a.pad, dataFormat: a.dataFormat, dimRoundingMode: a.dimRoundingMode, inputShape: x.shape } as unknown as tf.NamedAttrMap) as tf.Tensor4D,
        filter: () => backpropFilter(x, dy4, filter.shape, a.strides, a.pad, a.dataFormat, a.dimRoundingMode),
      };
    }
    if (a.dataFormat === "NCHW") throw new Error("tensorcell: gradients of dilated NCHW convolutions are not supported; use channelsLast (NHWC).");
    return {
      x: () => dilatedInputGradient(dy4, filter, x.shape, dilations as [number, number], a.pad, a.dimRoundingMode),
      filter: () => dilatedFilterGradient(x, dy4, filter.shape, dilations as [number, number], a.pad, a.dimRoundingMode),
    };
  },
};

function backpropFilter(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], strides: [number, number] | number,
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding, dataFormat: "NHWC" | "NCHW", dimRoundingMode?: "floor" | "round" | "ceil",
): tf.Tensor4D {
  return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, { strides, pad, dataFormat, dimRoundingMode, filterShape } as unknown as tf.NamedAttrMap) as tf.Tensor4D;
}

/** dx of a dilated stride-1 conv: full conv of dy with the rotated filter, same dilation. */
function dilatedInputGradient(
  dy: tf.Tensor4D, filter: tf.Tensor4D, inputShape: [number, number, number, number], dilations: [number, number],
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding, dimRoundingMode?: "floor" | "round" | "ceil",
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, 1, dilations, pad, dimRoundingMode);
    const effectiveKh = (info.filterHeight - 1) * dilations[0] + 1;
    const effectiveKw = (info.filterWidth - 1) * dilations[1] + 1;
    const top = effectiveKh - 1 - info.padInfo.top;
    const left = effectiveKw - 1 - info.padInfo.left;
    const bottom = info.inHeight - 1 + effectiveKh - info.outHeight - top;
    const right = info.inWidth - 1 + effectiveKw - info.outWidth - left;
    const rotated = tf.transpose(tf.reverse(filter, [0, 1]), [0, 1, 3, 2]) as tf.Tensor4D;
    // Negative sides (explicit pads wider than the filter reach) are cropped after a zero-padded conv.
    const grow = [top, bottom, left, right].map((p) => Math.max(p, 0));
    const full = tf.conv2d(dy, rotated, 1, [[0, 0], [grow[0], grow[1]], [grow[2], grow[3]], [0, 0]], "NHWC", dilations);
    return tf.slice(full, [0, grow[0] - top, grow[2] - left, 0], inputShape);
  });
}

/** dW of a dilated stride-1 conv: conv of x (channels as batch) with dy as filter, stride = dilation. */
function dilatedFilterGradient(
  x: tf.Tensor4D, dy: tf.Tensor4D, filterShape: [number, number, number, number], dilations: [number, number],
  pad: "valid" | "same" | number | tf.backend_util.ExplicitPadding, dimRoundingMode?: "floor" | "round" | "ceil",
): tf.Tensor4D {
  return tf.tidy(() => {
    const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, 1, dilations, pad, dimRoundingMode);
    const { top, left } = info.padInfo;
    const [kh, kw] = [info.filterHeight, info.filterWidth];
    const bottom = info.outHeight + (kh - 1) * dilations[0] - top - x.shape[1];
    const right = info.outWidth + (kw - 1) * dilations[1] - left - x.shape[2];
    const cropped = tf.slice(x, [0, 0, 0, 0], [-1, x.shape[1] + Math.min(bottom, 0), x.shape[2] + Math.min(right, 0), -1]);
    const out = tf.conv2d(
      tf.transpose(cropped, [3, 1, 2, 0]) as tf.Tensor4D,
      tf.transpose(dy, [1, 2, 0, 3]) as tf.Tensor4D,
      dilations,
      [[0, 0], [top, Math.max(bottom, 0)], [left, Math.max(right, 0)], [0, 0]],
    );
    return tf.transpose(out, [1, 2, 0, 3]) as tf.Tensor4D;
  });
}

/** Name of tensorcell's fused ReLU-gradient kernel, dy·step(x) in one pass (registered on wasm). */
export const RELU_GRADIENT = "TensorcellReluGradient";

/**
 * dy·step(x), the gradient of relu(x): RELU_GRADIENT when the current backend has it and
 * both are float32 of one shape, else tfjs's own ops (step, then multiply).
 */
export function reluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  if (dy.dtype === "float32" && x.dtype === "float32" && tf.util.arraysEqual(dy.shape, x.shape) && tf.getKernel(RELU_GRADIENT, tf.getBackend())) {
    return tf.engine().runKernel(RELU_GRADIENT, { dy, x } as unknown as tf.NamedTensorMap, {}) as tf.Tensor;
  }
  return composedReluGradient(dy, x);
}

/** reluGradient from tf ops, as tfjs-core's Relu gradient computes it (step, then multiply). */
export function composedReluGradient(dy: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(dy, tf.cast(tf.step(x), "float32")));
}

/**
 * Relu: tfjs-core's gradient is two passes over the activation (step, then multiply; 19
 * of each per ResNet-20 training step). reluGradient makes it one on wasm, with the same
 * bits.
 */
export const reluGradientConfig: tf.GradConfig = {
  kernelName: "Relu",
  inputsToSave: ["x"],
  gradFunc: (dy, saved) => {
    const [x] = saved;
    return { x: () => reluGradient(dy as tf.Tensor, x!) };
  },
};

let installed = false;

/**
 * Installs the gradient overrides (Tile, dilated Conv2D, FusedBatchNorm, Sum, Mean, Relu) once per process.
 * Call after tfjs is loaded; initBackend() does it for you.
 */
export function installGradientFixes(): void {
  if (installed) return;
  tf.registerGradient(tileGradient);
  tf.registerGradient(conv2dGradient);
  tf.registerGradient(fusedBatchNormGradient);
  tf.registerGradient(sumGradient);
  tf.registerGradient(meanGradient);
  tf.registerGradient(reluGradientConfig);
  installed = true;
}

