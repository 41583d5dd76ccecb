/**
 * Checks and completes the options given to `models.create`, so that every
 * mistake ends in a one-line error that says what was expected, before any
 * layer is built.
 */
import type { ModelOptions, ModelSpec } from "./registry.js";

/** Options after defaults are applied: inputShape and numClasses always present. */
export type ResolvedModelOptions = ModelOptions & { inputShape: number[]; numClasses: number };

const COMMON_OPTIONS = ["numClasses", "inputShape"];

/** Every option name a spec accepts (numClasses, inputShape, then the family's own). */
export function acceptedOptions(spec: ModelSpec): string[] {
  return [...COMMON_OPTIONS, ...(spec.options ?? []).filter((o) => !COMMON_OPTIONS.includes(o))];
}

/** Validates `options` against the spec and returns them completed with the spec's defaults. */
export function resolveModelOptions(spec: ModelSpec, options: ModelOptions = {}): ResolvedModelOptions {
  const where = `models.create("${spec.name}")`;
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw new Error(`${where}: options must be an object such as { numClasses: 10 }, got ${JSON.stringify(options)}.`);
  }
  const accepted = acceptedOptions(spec);
  const unknown = Object.keys(options).filter((key) => !accepted.includes(key) && options[key] !== undefined);
  if (unknown.length) {
    throw new Error(
      `${where}: unknown option${unknown.length > 1 ? "s" : ""} ${unknown.map((k) => `"${k}"`).join(", ")}; ` +
        `this model accepts ${accepted.join(", ")}.`,
    );
  }
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  const resolved: ResolvedModelOptions = { ...spec.defaults, ...defined };
  checkNumClasses(resolved.numClasses, where);
  checkInputShape(spec, resolved.inputShape, where);
  spec.checkOptions?.(resolved);
  return resolved;
}

function checkNumClasses(numClasses: unknown, where: string): void {
  if (typeof numClasses !== "number" || !Number.isInteger(numClasses) || numClasses < 1) {
    throw new Error(`${where}: numClasses must be a positive integer (e.g. 10), got ${JSON.stringify(numClasses)}.`);
  }
}

function checkInputShape(spec: ModelSpec, shape: unknown, where: string): void {
  const example = `[${spec.defaults.inputShape.join(", ")}]`;
  const isImage = spec.task === "image";
  const expected = isImage ? `[height, width, channels] such as ${example}` : `${spec.defaults.inputShape.length} dimension(s) such as ${example}`;
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== "number" || !Number.isInteger(d))) {
    throw new Error(`${where}: inputShape must be ${expected} (no batch axis), got ${JSON.stringify(shape)}.`);
  }
  if (shape.length !== spec.defaults.inputShape.length) {
    const hint = isImage && shape.length === 2 ? ` Add the channel axis, e.g. [${shape.join(", ")}, 1].` : "";
    const batchHint = shape.length === spec.defaults.inputShape.length + 1 ? " Leave out the batch axis." : "";
    throw new Error(`${where}: inputShape must be ${expected}, got [${shape.join(", ")}].${hint}${batchHint}`);
  }
  const bad = shape.findIndex((d) => d < 1);
  if (bad >= 0) {
    const axis = isImage ? ["height", "width", "channels"][bad] : `dimension ${bad}`;
    throw new Error(`${where}: inputShape ${axis} must be at least 1, got [${shape.join(", ")}].`);
  }
  if (isImage && spec.minInputSize !== undefined && (shape[0] < spec.minInputSize || shape[1] < spec.minInputSize)) {
    throw new Error(
      `${where}: input ${shape[0]}x${shape[1]} is too small; this architecture downsamples it and needs height and width ` +
        `of at least ${spec.minInputSize} (default ${example}).`,
    );
  }
}
