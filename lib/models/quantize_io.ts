/**
 * How a quantized model's weights are stored by models.save: every quantized
 * kernel as int8 levels (one byte each, 4-bit levels too) plus its scales in
 * the weights manifest entry (`quantization: { dtype: "int8", scales }`, one
 * scale per trailing channel or one per tensor); everything else stays
 * float32. models.load turns the levels back into float kernels (level x
 * scale, the values the quantized model computed with) before tfjs sees them.
 */
import * as tf from "@tensorflow/tfjs";
import { quantizationOf, quantizedKernel } from "./quantize.js";
import { quantizeWeight, weightScales } from "./quantize_ops.js";

/** The manifest entry of an int8-stored kernel. */
interface Int8Quantization {
  dtype: "int8";
  /** One scale per channel (the kernel's trailing axes, flattened) or a single one. */
  scales: number[];
}

function int8Of(spec: tf.io.WeightsManifestEntry): Int8Quantization | undefined {
  const q = spec.quantization as unknown as Int8Quantization | undefined;
  return q && q.dtype === "int8" && Array.isArray(q.scales) ? q : undefined;
}

/** Bytes one stored element of `spec` takes: 1 for int8-stored kernels, else undefined (tfjs's own rules). */
export function int8BytesPerElement(spec: tf.io.WeightsManifestEntry): number | undefined {
  return int8Of(spec) ? 1 : undefined;
}

/** Rewrites save artifacts of a quantized model so its quantized kernels are stored as int8; other models pass through. */
export function encodeQuantizedArtifacts(model: tf.LayersModel, artifacts: tf.io.ModelArtifacts): tf.io.ModelArtifacts {
  const info = quantizationOf(model);
  if (!info || !artifacts.weightSpecs || !artifacts.weightData) return artifacts;
  const kernels = new Map(
    info.layers.map((name) => {
      const kernel = quantizedKernel(model.getLayer(name), info.perChannel);
      return [kernel.variable.originalName, kernel] as const;
    }),
  );
  const source = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts.weightData));
  const specs: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of artifacts.weightSpecs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const bytes = count * 4;
    const kernel = kernels.get(spec.name);
    if (!kernel || spec.dtype !== "float32" || spec.quantization) {
      specs.push(spec);
      parts.push(source.slice(offset, offset + bytes));
    } else {
      const floats = new Float32Array(source.slice(offset, offset + bytes).buffer);
      const [levels, scales] = tf.tidy(() => {
        const weight = tf.tensor(floats, spec.shape);
        const s = weightScales(weight, info.bits, kernel.channelAxes);
        return [quantizeWeight(weight, s, info.bits).dataSync(), s.dataSync()];
      });
      specs.push({ ...spec, quantization: { dtype: "int8", scales: Array.from(scales) } as unknown as tf.io.WeightsManifestEntry["quantization"] });
      parts.push(new Uint8Array(Int8Array.from(levels).buffer));
    }
    offset += bytes;
  }
  return { ...artifacts, weightSpecs: specs, weightData: joinParts(parts) };
}

/** Turns int8-stored kernels back into float32 entries (level x scale) so tfjs can load them; other entries pass through. */
export function decodeQuantizedWeights(specs: tf.io.WeightsManifestEntry[], data: ArrayBuffer): [tf.io.WeightsManifestEntry[], ArrayBuffer] {
  if (!specs.some((spec) => int8Of(spec))) return [specs, data];
  const source = new Uint8Array(data);
  const out: tf.io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  let offset = 0;
  for (const spec of specs) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const q = int8Of(spec);
    if (!q) {
      const bytes = count * (spec.quantization ? (spec.quantization.dtype === "uint8" ? 1 : 2) : spec.dtype === "bool" ? 1 : 4);
      out.push(spec);
      parts.push(source.subarray(offset, offset + bytes));
      offset += bytes;
      continue;
    }
    const levels = new Int8Array(data, offset, count);
    const floats = new Float32Array(count);
    const channels = q.scales.length;
    for (let i = 0; i < count; i++) floats[i] = levels[i] * q.scales[i % channels];
    const { quantization: _dropped, ...plain } = spec;
    out.push(plain);
    parts.push(new Uint8Array(floats.buffer));
    offset += count;
  }
  return [out, joinParts(parts)];
}

/** The parts' bytes back to back, in a fresh ArrayBuffer of exactly that size. */
function joinParts(parts: Uint8Array[]): ArrayBuffer {
  const joined = Buffer.concat(parts);
  return joined.buffer.slice(joined.byteOffset, joined.byteOffset + joined.byteLength) as ArrayBuffer;
}
