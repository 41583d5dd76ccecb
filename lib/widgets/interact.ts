/**
 * widgets.interact: one control per parameter, a function re-run on every
 * change, its output (what it prints or displays, and its return value)
 * replacing the previous one in an Output widget.
 */
import { display } from "../display/display.js";
import { Box, Checkbox, Dropdown, Slider, Text, ValueWidget } from "./controls.js";
import { Output } from "./output.js";
import { Widget } from "./widget.js";

/**
 * How a parameter becomes a control: `[min, max]` or `[min, max, step]` a
 * slider; a number a slider around it (ipywidgets: -x to 3x); a list of
 * labels, of [label, value] pairs or a record a dropdown; a boolean a
 * checkbox; a string a text box; a value widget is used as it is.
 */
export type InteractParameter =
  | readonly [number, number]
  | readonly [number, number, number]
  | number
  | readonly string[]
  | readonly (readonly [string, unknown])[]
  | Record<string, unknown>
  | boolean
  | string
  | ValueWidget<unknown>;

/** What interact returns: a VBox of the controls and the output, with both at hand. */
export interface Interactive extends Box {
  /** The controls by parameter name. */
  readonly controls: Record<string, ValueWidget<unknown>>;
  /** Where the function's output goes. */
  readonly output: Output;
  /** Runs the function again with the controls' current values. */
  update(): void;
}

function isNumberTuple(value: unknown): value is readonly number[] {
  return Array.isArray(value) && (value.length === 2 || value.length === 3) && value.every((v) => typeof v === "number");
}

function controlFor(name: string, spec: InteractParameter): ValueWidget<unknown> {
  if (spec instanceof ValueWidget) return spec;
  if (spec instanceof Widget) throw new Error(`widgets.interact: parameter "${name}" is a widget without a value`);
  if (isNumberTuple(spec)) {
    const [min, max, step] = spec;
    return new Slider({ description: name, min, max, step, value: Number.isInteger(min) && Number.isInteger(max) ? Math.round((min! + max!) / 2) : (min! + max!) / 2 });
  }
  if (typeof spec === "number") {
    if (!Number.isFinite(spec)) throw new Error(`widgets.interact: parameter "${name}" is not a finite number (${spec})`);
    const span = spec === 0 ? 1 : Math.abs(spec);
    return new Slider({ description: name, min: spec - 2 * span, max: spec + 2 * span, value: spec });
  }
  if (typeof spec === "boolean") return new Checkbox({ description: name, value: spec });
  if (typeof spec === "string") return new Text({ description: name, value: spec });
  if (Array.isArray(spec) || (typeof spec === "object" && spec !== null)) {
    return new Dropdown(spec as never, { description: name }) as ValueWidget<unknown>;
  }
  throw new Error(`widgets.interact: parameter "${name}" must be [min, max(, step)], a number, options, a boolean, a string or a widget; got ${spec === null ? "null" : typeof spec}`);
}

/**
 * Builds a control per parameter and calls `fn` with their values now and on
 * every change; what it prints or displays, and its return value, replace the
 * previous output in an Output widget below the controls. Errors in fn show
 * there. Returns the VBox (display it, or leave it as the cell's last value).
 * @example widgets.interact(({ k }) => `k squared is ${k * k}`, { k: [0, 10] })
 */
export function interact<P extends Record<string, InteractParameter>>(
  fn: (values: { [K in keyof P]: any }) => unknown,
  parameters: P,
): Interactive {
  if (typeof fn !== "function") throw new Error(`widgets.interact: expected a function first, got ${fn === null ? "null" : typeof fn}`);
  if (typeof parameters !== "object" || parameters === null || Object.keys(parameters).length === 0) {
    throw new Error("widgets.interact: give the parameters as a record of name -> range or options, e.g. { k: [0, 10] }");
  }
  const controls = Object.fromEntries(Object.entries(parameters).map(([name, spec]) => [name, controlFor(name, spec)]));
  const output = new Output();
  const values = () => Object.fromEntries(Object.entries(controls).map(([name, control]) => [name, control.value])) as { [K in keyof P]: any };
  const update = () =>
    output.run(() => {
      output.clear({ wait: true });
      const result = fn(values());
      const show = (value: unknown) => {
        if (value !== undefined) display(value);
      };
      return result instanceof Promise ? result.then(show) : show(result);
    });
  for (const control of Object.values(controls)) control.onChange(() => void update());
  const box = new Box("VBox", [...Object.values(controls), output]) as Interactive;
  Object.defineProperties(box, {
    controls: { value: controls, enumerable: true },
    output: { value: output, enumerable: true },
    update: { value: () => void update() },
  });
  void update();
  return box;
}
