/**
 * The arithmetic of simulated ("fake") quantization, as in Krishnamoorthi 2018,
 * "Quantizing deep convolutional networks for efficient inference: A
 * whitepaper": weights symmetric (zero point 0, scale max|w| / (2^(b-1) - 1),
 * per output channel or per tensor); activations asymmetric per tensor
 * (scale (max - min) / (2^b - 1), an integer zero point so 0 is exact).
 * Gradients pass straight through the rounding (the straight-through
 * estimator), clipped to the range for activations.
 */
import * as tf from "@tensorflow/tfjs";

/** Largest integer level of a symmetric signed `bits`-bit weight: 127 for 8 bits, 7 for 4. */
export function symmetricLevels(bits: number): number {
  return 2 ** (bits - 1) - 1;
}

/**
 * Per-channel (or per-tensor) scales of a weight tensor: max|w| over every
 * axis but the channel axes, divided by the top level. `channelAxes` are the
 * kept axes (e.g. [3] for a conv kernel [kh, kw, in, out]); [] gives one scale.
 */
export function weightScales(weight: tf.Tensor, bits: number, channelAxes: number[]): tf.Tensor {
  return tf.tidy(() => {
    const reduce = weight.shape.map((_, axis) => axis).filter((axis) => !channelAxes.includes(axis));
    const maxAbs = tf.max(tf.abs(weight), reduce, true);
    // A channel of zeros keeps scale 1, so it quantizes to zeros instead of dividing by 0.
    return tf.where(tf.greater(maxAbs, 0), tf.div(maxAbs, symmetricLevels(bits)), tf.onesLike(maxAbs));
  });
}

/** Integer levels round(w / scale), clipped to [-L, L]; the int8 form a quantized model stores. */
export function quantizeWeight(weight: tf.Tensor, scales: tf.Tensor, bits: number): tf.Tensor {
  const levels = symmetricLevels(bits);
  return tf.tidy(() => tf.clipByValue(tf.round(tf.div(weight, scales)), -levels, levels));
}

/** Fake-quantized weight (quantize then dequantize) with the straight-through gradient. */
export function fakeQuantWeight(weight: tf.Tensor, bits: number, channelAxes: number[]): tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const w = args[0] as tf.Tensor;
    const scales = weightScales(w, bits, channelAxes);
    const value = tf.mul(quantizeWeight(w, scales, bits), scales);
    scales.dispose();
    return { value, gradFunc: (dy: tf.Tensor) => dy };
  });
  return op(weight) as tf.Tensor;
}

/** An activation range [min, max], widened to hold 0 (whitepaper 2.1: zero must be exact). */
export type ActivationRange = [number, number];

/** Scale and integer zero point of an asymmetric `bits`-bit range. */
export function activationQuantParams(range: ActivationRange, bits: number): { scale: number; zeroPoint: number; top: number } {
  const top = 2 ** bits - 1;
  const min = Math.min(range[0], 0);
  const max = Math.max(range[1], 0);
  const scale = max > min ? (max - min) / top : 1;
  return { scale, zeroPoint: Math.round(-min / scale), top };
}

/**
 * Fake-quantized activation: clip to the range, round to the uint grid,
 * dequantize. The gradient passes where x was inside the range, 0 outside.
 */
export function fakeQuantActivation(x: tf.Tensor, range: ActivationRange, bits: number): tf.Tensor {
  const { scale, zeroPoint, top } = activationQuantParams(range, bits);
  const low = (0 - zeroPoint) * scale;
  const high = (top - zeroPoint) * scale;
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const input = args[0] as tf.Tensor;
    const save = args[1] as tf.GradSaveFunc;
    save([input]);
    const value = tf.tidy(() => {
      const q = tf.clipByValue(tf.add(tf.round(tf.div(input, scale)), zeroPoint), 0, top);
      return tf.mul(tf.sub(q, zeroPoint), scale);
    });
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const inside = tf.logicalAnd(tf.greaterEqual(saved[0], low), tf.lessEqual(saved[0], high));
        return tf.mul(dy, tf.cast(inside, dy.dtype));
      },
    };
  });
  return op(x) as tf.Tensor;
}
