/**
 * The controls (ipywidgets 8 models of @jupyter-widgets/controls): sliders,
 * dropdown, button, text, checkbox, image, HTML and the two boxes, each with a
 * layout and a style model like ipywidgets creates.
 */
import { runCallback, Widget, type Change } from "./widget.js";

/** A LayoutModel (CSS layout of a widget's view); attributes are CSS properties (width, height, border ...). */
export class Layout extends Widget {
  /** @param attributes CSS layout properties, e.g. `{ width: "300px" }`. */
  constructor(attributes: Record<string, string | null> = {}) {
    super({ modelName: "LayoutModel", modelModule: "@jupyter-widgets/base", viewName: "LayoutView" }, attributes);
  }
}

/** A style model (description width, colours ...) of the given kind. */
export class Style extends Widget {
  /** @param modelName e.g. "SliderStyleModel"; @param attributes its properties. */
  constructor(modelName: string, attributes: Record<string, unknown> = {}) {
    super({ modelName, modelModule: "@jupyter-widgets/controls", viewName: "StyleView", viewModule: "@jupyter-widgets/base" }, { description_width: "", ...attributes });
  }
}

/** Options every DOM widget takes. */
export interface DomOptions {
  /** The label shown next to the control. */
  description?: string;
  /** Whether the user can change it. */
  disabled?: boolean;
  /** CSS layout properties of the view, e.g. `{ width: "400px" }`. */
  layout?: Record<string, string>;
}

/** A widget with a view: layout and style models of its own. */
export class DomWidget extends Widget {
  /** Creates the layout and style models, then the widget. */
  constructor(modelName: string, viewName: string, styleModel: string | null, attributes: Record<string, unknown>, options: DomOptions = {}) {
    const layout = new Layout(options.layout);
    const style = styleModel ? new Style(styleModel) : null;
    super(
      { modelName, modelModule: "@jupyter-widgets/controls", viewName },
      {
        _dom_classes: [],
        layout,
        ...(style ? { style } : {}),
        tabbable: null,
        tooltip: null,
        ...(options.description !== undefined || "description" in attributes ? { description: options.description ?? "", description_allow_html: false } : {}),
        ...(options.disabled !== undefined ? { disabled: options.disabled } : {}),
        ...attributes,
      },
    );
  }
}

/** A control with a `value`: `value` reads and writes it, `onChange` watches it. */
export class ValueWidget<T> extends DomWidget {
  /** The current value (set it to change the control in every frontend). */
  get value(): T {
    return this.get("value") as T;
  }
  set value(next: T) {
    this.set({ value: next });
  }

  /**
   * Calls `callback(value, change)` whenever the value changes (the user moved
   * the control, or code set it). Returns a function that stops it.
   * @example slider.onChange((v) => console.log("now", v))
   */
  onChange(callback: (value: T, change: Change<this>) => void): () => void {
    return this.observe((change) => callback(change.new as T, change), "value");
  }
}

/** Options of `widgets.slider`. */
export interface SliderOptions extends DomOptions {
  min?: number;
  max?: number;
  step?: number;
  value?: number;
  /** Send values while dragging (default true) or only on release. */
  continuousUpdate?: boolean;
  orientation?: "horizontal" | "vertical";
  /** Show the value next to the slider (default true). */
  readout?: boolean;
}

/** An IntSlider or FloatSlider (float when min, max, step or value is not an integer). */
export class Slider extends ValueWidget<number> {
  /** See `widgets.slider`. */
  constructor(options: SliderOptions = {}) {
    const { min = 0, max = 100, step, value, continuousUpdate = true, orientation = "horizontal", readout = true } = options;
    for (const [name, v] of Object.entries({ min, max, step, value })) {
      if (v !== undefined && !Number.isFinite(v)) throw new Error(`widgets.slider: ${name} must be a finite number, got ${String(v)}`);
    }
    if (min > max) throw new Error(`widgets.slider: min (${min}) is above max (${max})`);
    if (step !== undefined && step <= 0) throw new Error(`widgets.slider: step must be positive, got ${step}`);
    const isFloat = [min, max, step ?? 1, value ?? min].some((v) => !Number.isInteger(v));
    const start = Math.min(max, Math.max(min, value ?? min));
    super(
      isFloat ? "FloatSliderModel" : "IntSliderModel",
      isFloat ? "FloatSliderView" : "IntSliderView",
      "SliderStyleModel",
      {
        description: options.description ?? "",
        min, max, step: step ?? (isFloat ? 0.1 : 1), value: start,
        continuous_update: continuousUpdate, orientation, readout,
        readout_format: isFloat ? ".2f" : "d",
        disabled: options.disabled ?? false,
        behavior: "drag-tap",
      },
      options,
    );
    // Like ipywidgets' bounded traits: a value from anywhere is clipped into [min, max].
    this.validate("value", (given) => {
      const v = Number(given);
      return Math.min(Number(this.get("max")), Math.max(Number(this.get("min")), Number.isFinite(v) ? v : Number(this.get("value"))));
    });
  }
}

/** Dropdown options: labels, [label, value] pairs, or a record of label -> value. */
export type DropdownOptions<T> = readonly string[] | readonly (readonly [string, T])[] | Record<string, T>;

function normalizeOptions<T>(options: DropdownOptions<T>, caller: string): [string, T][] {
  const pairs: [string, T][] = Array.isArray(options)
    ? options.map((item: string | readonly [string, T]) => (typeof item === "string" ? [item, item as unknown as T] : [String(item[0]), item[1]]))
    : typeof options === "object" && options !== null
      ? Object.entries(options as Record<string, T>)
      : [];
  if (pairs.length === 0) throw new Error(`${caller}: options must be a non-empty list of labels, of [label, value] pairs, or a record`);
  return pairs;
}

/** A Dropdown: the frontend picks an index; `value` is the option's value on the kernel side. */
export class Dropdown<T = string> extends ValueWidget<T> {
  private readonly pairs: [string, T][];

  /** See `widgets.dropdown`. */
  constructor(options: DropdownOptions<T>, settings: DomOptions & { value?: T } = {}) {
    const pairs = normalizeOptions(options, "widgets.dropdown");
    let index = 0;
    if (settings.value !== undefined) {
      index = pairs.findIndex(([, v]) => Object.is(v, settings.value));
      if (index < 0) throw new Error(`widgets.dropdown: value ${JSON.stringify(settings.value)} is not one of the options`);
    }
    super("DropdownModel", "DropdownView", "DescriptionStyleModel", {
      description: settings.description ?? "",
      _options_labels: pairs.map(([label]) => label),
      index,
      disabled: settings.disabled ?? false,
    }, settings);
    this.pairs = pairs;
    // value is kernel-side only: the frontend's model knows the index.
    this.keepLocal("value");
    this.set({ value: pairs[index]![1] });
    // The frontend only knows the index; value follows it.
    this.observe((change) => {
      const i = Number(change.new);
      const pair = this.pairs[i];
      if (pair) this.set({ value: pair[1] });
    }, "index");
  }

  /** The option labels, in order. */
  get labels(): string[] {
    return this.pairs.map(([label]) => label);
  }

  /** The selected option's value; setting it selects that option (it must be one of them). */
  override get value(): T {
    return this.get("value") as T;
  }
  override set value(next: T) {
    const index = this.pairs.findIndex(([, v]) => Object.is(v, next));
    if (index < 0) throw new Error(`widgets.dropdown: value ${JSON.stringify(next)} is not one of the options`);
    this.set({ index });
  }
}

/** A Button: `onClick` runs code when it is clicked. */
export class Button extends DomWidget {
  /** See `widgets.button`. */
  constructor(options: DomOptions & { buttonStyle?: "" | "primary" | "success" | "info" | "warning" | "danger"; icon?: string; tooltip?: string } = {}) {
    super("ButtonModel", "ButtonView", "ButtonStyleModel", {
      description: options.description ?? "",
      button_style: options.buttonStyle ?? "",
      icon: options.icon ?? "",
      tooltip: options.tooltip ?? null,
      disabled: options.disabled ?? false,
    }, options);
  }

  /**
   * Calls `callback(button)` on each click in a frontend (callbacks run outside
   * any cell: their errors are reported, their output goes to an Output widget
   * that captures for them). Returns a function that stops it.
   */
  onClick(callback: (button: this) => void | Promise<void>): () => void {
    return this.onCustom((content) => {
      if ((content as { event?: unknown } | null)?.event === "click") runCallback("a button's onClick", () => callback(this));
    });
  }

  /** Runs the click callbacks as if the button were clicked (for scripts and tests). */
  click(): void {
    this.handleCustom({ event: "click" });
  }

  private handleCustom(content: unknown): void {
    // Same path as a frontend's custom message.
    this.handleMessage({ method: "custom", content }, []);
  }
}

/** A one-line Text box: `value` is its text, `onSubmit` runs on Enter. */
export class Text extends ValueWidget<string> {
  /** See `widgets.text`. */
  constructor(options: DomOptions & { value?: string; placeholder?: string; continuousUpdate?: boolean } = {}) {
    super("TextModel", "TextView", "TextStyleModel", {
      description: options.description ?? "",
      value: options.value ?? "",
      placeholder: options.placeholder ?? "",
      continuous_update: options.continuousUpdate ?? true,
      disabled: options.disabled ?? false,
    }, options);
  }

  /** Calls `callback(text)` when the user presses Enter. Returns a function that stops it. */
  onSubmit(callback: (value: string) => void): () => void {
    return this.onCustom((content) => {
      if ((content as { event?: unknown } | null)?.event === "submit") runCallback("a text box's onSubmit", () => callback(this.value));
    });
  }
}

/** A Checkbox: `value` is true or false. */
export class Checkbox extends ValueWidget<boolean> {
  /** See `widgets.checkbox`. */
  constructor(options: DomOptions & { value?: boolean; indent?: boolean } = {}) {
    super("CheckboxModel", "CheckboxView", "CheckboxStyleModel", {
      description: options.description ?? "",
      value: Boolean(options.value),
      indent: options.indent ?? true,
      disabled: options.disabled ?? false,
    }, options);
  }
}

/** An Image: PNG/JPEG/GIF bytes sent as a binary buffer; set `value` to new bytes to redraw it. */
export class Image extends ValueWidget<Uint8Array> {
  /** See `widgets.image`. */
  constructor(bytes: Uint8Array, options: { format?: "png" | "jpeg" | "gif"; width?: number | string; height?: number | string; layout?: Record<string, string> } = {}) {
    if (!(bytes instanceof Uint8Array)) throw new Error(`widgets.image: expected the image's bytes as a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
    super("ImageModel", "ImageView", null, {
      value: bytes,
      format: options.format ?? "png",
      width: options.width === undefined ? "" : String(options.width),
      height: options.height === undefined ? "" : String(options.height),
    }, options);
  }
}

/** An HTML widget: `value` is HTML shown as is. */
export class Html extends ValueWidget<string> {
  /** See `widgets.html`. */
  constructor(html = "", options: DomOptions = {}) {
    super("HTMLModel", "HTMLView", "HTMLStyleModel", { description: options.description ?? "", value: html, placeholder: "" }, options);
  }
}

/** An HBox or VBox laying out its children. */
export class Box extends DomWidget {
  /** See `widgets.hbox` / `widgets.vbox`. */
  constructor(kind: "HBox" | "VBox", children: Widget[], options: { layout?: Record<string, string> } = {}) {
    const caller = `widgets.${kind.toLowerCase()}`;
    if (!Array.isArray(children)) throw new Error(`${caller}: expected a list of widgets, got ${typeof children}`);
    children.forEach((child, i) => {
      if (!(child instanceof Widget)) throw new Error(`${caller}: child ${i} is not a widget (${child === null ? "null" : typeof child})`);
    });
    super(`${kind}Model`, `${kind}View`, null, { children, box_style: "" }, options);
  }

  /** The boxed widgets. */
  get children(): Widget[] {
    return this.get("children") as Widget[];
  }
}
