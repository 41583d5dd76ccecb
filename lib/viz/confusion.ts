/** Confusion matrix as a Vega-Lite heatmap, an HTML table and text. */
import { htmlTable, textTable } from "../display/html.js";
import { vegaLiteBundle } from "../display/vegalite.js";
import { readLabels, type LabelsLike } from "./labels.js";
import { VizOutput } from "./output.js";

/** Cell side in pixels: about 480 px in all, but never under 24 px (12 beyond 40 classes) nor over 100 px. */
export function confusionCellSize(classes: number): number {
  return Math.max(classes > 40 ? 12 : 24, Math.min(100, Math.floor(480 / classes)));
}

/** Options of viz.confusionMatrix(). */
export interface ConfusionMatrixOptions {
  /** Class names by class id; also fixes the number of classes. */
  classNames?: string[];
  /** Chart title (default "Confusion matrix"). */
  title?: string;
}

/**
 * Counts (true class, predicted class) pairs. Labels and predictions are class ids
 * (arrays or 1-D tensors) or [n, classes] scores/one-hot tensors (arg-maxed).
 */
export function confusionMatrix(labels: LabelsLike, predictions: LabelsLike, options: ConfusionMatrixOptions = {}) {
  const truth = readLabels(labels, "labels").map(Number);
  const predicted = readLabels(predictions, "predictions").map(Number);
  if (truth.length !== predicted.length) throw new Error(`viz.confusionMatrix: ${truth.length} labels but ${predicted.length} predictions.`);
  if (truth.length === 0) throw new Error("viz.confusionMatrix got no examples.");
  const bad = [...truth, ...predicted].find((c) => !Number.isInteger(c) || c < 0);
  if (bad !== undefined) throw new Error(`viz.confusionMatrix needs non-negative integer class ids; got ${bad}.`);
  const classes = options.classNames?.length ?? Math.max(...truth, ...predicted) + 1;
  const tooBig = [...truth, ...predicted].find((c) => c >= classes);
  if (tooBig !== undefined) throw new Error(`viz.confusionMatrix: class id ${tooBig} but only ${classes} class names were given.`);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((t, i) => { matrix[t]![predicted[i]!]!++; });
  const names = Array.from({ length: classes }, (_, c) => options.classNames?.[c] ?? String(c));
  const correct = matrix.reduce((s, row, i) => s + row[i]!, 0);
  const accuracy = correct / truth.length;
  const rows = matrix.flatMap((row, t) => row.map((count, p) => ({ actual: names[t]!, predicted: names[p]!, count, share: count / Math.max(1, row.reduce((a, b) => a + b, 0)) })));
  const cell = confusionCellSize(classes);
  const axis = (field: string, title: string) => ({ field, type: "ordinal", title, sort: names });
  const spec = {
    $schema: "https://vega.github.io/schema/vega-lite/v5.json",
    title: `${options.title ?? "Confusion matrix"} (accuracy ${(100 * accuracy).toFixed(1)}%)`,
    data: { values: rows },
    width: cell * classes,
    height: cell * classes,
    encoding: { x: axis("predicted", "predicted"), y: axis("actual", "actual") },
    layer: [
      { mark: "rect", encoding: { color: { field: "share", type: "quantitative", title: "row share", scale: { scheme: "blues", domain: [0, 1] } } } },
      ...(classes <= 20 ? [{
        mark: { type: "text", fontSize: Math.max(10, Math.min(18, Math.round(cell / 4))) },
        encoding: { text: { field: "count", type: "quantitative" }, color: { condition: { test: "datum.share > 0.5", value: "white" }, value: "black" } },
      }] : []),
    ],
  };
  const header = ["actual \\ predicted", ...names];
  const tableRows = matrix.map((row, t) => [names[t]!, ...row.map(String)]);
  const summary = `accuracy ${(100 * accuracy).toFixed(2)}% (${correct}/${truth.length})`;
  const bundle = vegaLiteBundle(spec, `Confusion matrix, ${summary}\n${textTable(header, tableRows)}`);
  bundle["text/html"] = htmlTable(header, tableRows, summary);
  return new VizOutput(bundle, { matrix, classNames: names, accuracy });
}
