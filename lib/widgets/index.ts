/**
 * Interactive Jupyter widgets (ipywidgets 8 protocol): controls, boxes, an
 * Output widget and interact, preloaded in every cell as `widgets`.
 */
import {
  Box, Button, Checkbox, Dropdown, Html, Image, Slider, Text,
  type DomOptions, type DropdownOptions, type SliderOptions,
} from "./controls.js";
import { interact } from "./interact.js";
import { Output } from "./output.js";
import { liveStates, type Widget } from "./widget.js";

/** tensorcell's widgets (preloaded as `widgets` in every cell). Displaying one (last value or display()) shows it. */
export const widgets = {
  /**
   * A slider (IntSlider; FloatSlider when min, max, step or value is not an integer).
   * @example const s = widgets.slider({ min: 0, max: 10, value: 3, description: "k" }); s.onChange((v) => console.log(v)); s
   */
  slider: (options?: SliderOptions) => new Slider(options),
  /**
   * A dropdown over labels, [label, value] pairs or a record; `value` is the chosen option's value.
   * @example widgets.dropdown(["relu", "gelu"], { value: "gelu", description: "activation" })
   */
  dropdown: <T = string>(options: DropdownOptions<T>, settings?: DomOptions & { value?: T }) => new Dropdown<T>(options, settings),
  /**
   * A button; `onClick(callback)` runs code on each click (capture its output with an Output widget).
   * @example const b = widgets.button({ description: "train" }); b.onClick(out.capture(() => console.log("go"))); b
   */
  button: (options?: ConstructorParameters<typeof Button>[0]) => new Button(options),
  /** A one-line text box; `value` is its text, `onSubmit` runs on Enter. */
  text: (options?: ConstructorParameters<typeof Text>[0]) => new Text(options),
  /** A checkbox; `value` is true or false. */
  checkbox: (options?: ConstructorParameters<typeof Checkbox>[0]) => new Checkbox(options),
  /** An image from PNG/JPEG/GIF bytes (sent as a binary buffer); set `value` to redraw it. */
  image: (bytes: Uint8Array, options?: ConstructorParameters<typeof Image>[1]) => new Image(bytes, options),
  /** An HTML widget; set `value` to change what it shows. */
  html: (html?: string, options?: DomOptions) => new Html(html, options),
  /**
   * An Output widget: `out.capture(fn)` / `out.run(fn)` send fn's display(), console output and errors into it.
   * @example const out = widgets.output(); out.run(() => console.log("hello")); out
   */
  output: (options?: { layout?: Record<string, string> }) => new Output(options),
  /** Lays widgets out in a row. */
  hbox: (children: Widget[], options?: { layout?: Record<string, string> }) => new Box("HBox", children, options),
  /** Lays widgets out in a column. */
  vbox: (children: Widget[], options?: { layout?: Record<string, string> }) => new Box("VBox", children, options),
  interact,
  /** The state of every live widget by model id (what a frontend loading later receives). */
  states: liveStates,
};

export { Widget, PROTOCOL_VERSION, WIDGET_VIEW_MIME, type Change, type ModelState } from "./widget.js";
export { Box, Button, Checkbox, Dropdown, Html, Image, Slider, Text, ValueWidget, Layout, Style, type SliderOptions, type DropdownOptions, type DomOptions } from "./controls.js";
export { Output } from "./output.js";
export { type InteractParameter, type Interactive } from "./interact.js";
