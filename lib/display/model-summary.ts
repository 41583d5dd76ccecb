/** Summary of a tfjs LayersModel: layers, output shapes, parameters, FLOPs per example. */
import type * as tf from "@tensorflow/tfjs";
import type { MimeBundle } from "./host.js";
import { errorMessage, escapeHtml, htmlTable, textTable } from "./html.js";

/** One row of a model summary. */
export interface LayerSummary {
  name: string;
  type: string;
  outputShape: string;
  params: number;
  /** Estimated floating-point operations per example (multiply-add = 2), kernels only. */
  flops: number;
}

/** A model summary with totals. */
export interface ModelSummary {
  name: string;
  layers: LayerSummary[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  flopsPerExample: number;
}

/** True for tfjs LayersModel-like values (Sequential, functional models). */
export function isLayersModel(value: unknown): value is tf.LayersModel {
  if (typeof value !== "object" || value === null) return false;
  const candidate = value as Partial<tf.LayersModel>;
  return Array.isArray(candidate.layers) && typeof candidate.predict === "function" && typeof candidate.summary === "function";
}

const RECURRENT = new Set(["LSTM", "GRU", "SimpleRNN"]);

function shapeText(shape: unknown): string {
  return JSON.stringify(shape);
}

function product(values: readonly (number | null)[]): number {
  return values.reduce<number>((acc, v) => acc * (v ?? 1), 1);
}

/**
 * FLOPs of one layer for one example: 2 * kernel size * output positions for every
 * weight named `kernel` (dense, conv, depthwise/pointwise, recurrent kernels);
 * transposed convolutions use input positions, recurrent layers timesteps.
 * Element-wise work (activations, norms, pooling) is not counted.
 */
function layerFlops(layer: tf.layers.Layer): number {
  const nested = layer as unknown as { layers?: tf.layers.Layer[] };
  if (Array.isArray(nested.layers)) return nested.layers.reduce((sum, inner) => sum + layerFlops(inner), 0);
  const kernels = layer.weights.filter((w) => /kernel$/.test(w.originalName ?? w.name));
  if (kernels.length === 0) return 0;
  const className = layer.getClassName();
  let positions: number;
  if (RECURRENT.has(className)) {
    const inputShape = layer.inputSpec?.[0]?.shape ?? (layer.batchInputShape as number[] | undefined);
    positions = Array.isArray(inputShape) && typeof inputShape[1] === "number" ? inputShape[1] : 1;
  } else {
    const shape = (className.endsWith("Transpose") ? layer.inputSpec?.[0]?.shape : layer.outputShape) as (number | null)[] | undefined;
    positions = Array.isArray(shape) && !Array.isArray(shape[0]) ? product(shape.slice(1, -1)) : 1;
  }
  return kernels.reduce((sum, w) => sum + 2 * product(w.shape) * positions, 0);
}

/** Computes the summary of a built model (throws with advice when it is not built). */
export function summarizeModel(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((layer): LayerSummary => {
    let outputShape: string;
    try {
      outputShape = shapeText(layer.outputShape);
    } catch (shapeError) {
      // tfjs throws for layers used at several places in a graph ("multiple inbound nodes").
      outputShape = `(${errorMessage(shapeError).includes("multiple") ? "multiple" : "unknown"})`;
    }
    let params: number;
    try {
      params = layer.countParams();
    } catch (countError) {
      throw new Error(`Layer ${layer.name} is not built yet (${errorMessage(countError)}); call the model on an input or give the first layer an inputShape.`);
    }
    return { name: layer.name, type: layer.getClassName(), outputShape, params, flops: layerFlops(layer) };
  });
  const count = (weights: tf.LayerVariable[]) => weights.reduce((sum, w) => sum + product(w.shape), 0);
  const trainableParams = count(model.trainableWeights);
  const nonTrainableParams = count(model.nonTrainableWeights);
  return {
    name: model.name,
    layers,
    totalParams: trainableParams + nonTrainableParams,
    trainableParams,
    nonTrainableParams,
    flopsPerExample: layers.reduce((sum, l) => sum + l.flops, 0),
  };
}

/** "1.23 MFLOPs" style. */
export function formatFlops(flops: number): string {
  const units: [number, string][] = [[1e12, "TFLOPs"], [1e9, "GFLOPs"], [1e6, "MFLOPs"], [1e3, "kFLOPs"]];
  for (const [size, unit] of units) if (flops >= size) return `${(flops / size).toFixed(2)} ${unit}`;
  return `${flops} FLOPs`;
}

const group = (n: number) => n.toLocaleString("en-US");

/** The bundle of a model: an HTML table and the same as text. */
export function modelBundle(model: tf.LayersModel): MimeBundle {
  const summary = summarizeModel(model);
  const header = ["Layer", "Type", "Output shape", "Params", "FLOPs/example"];
  const rows = summary.layers.map((l) => [l.name, l.type, l.outputShape, group(l.params), l.flops ? formatFlops(l.flops) : ""]);
  const totals = [
    `Total params: ${group(summary.totalParams)}`,
    `Trainable params: ${group(summary.trainableParams)}`,
    `Non-trainable params: ${group(summary.nonTrainableParams)}`,
    `FLOPs per example (estimate, multiply-add = 2): ${formatFlops(summary.flopsPerExample)}`,
  ];
  const html =
    `<div><b>Model: ${escapeHtml(summary.name)}</b>${htmlTable(header, rows)}` +
    `<div>${totals.map(escapeHtml).join("<br>")}</div></div>`;
  const text = [`Model: ${summary.name}`, textTable(header, rows), ...totals].join("\n");
  return { "text/html": html, "text/plain": text };
}
