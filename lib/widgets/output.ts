/**
 * The Output widget: output (display(), console.log, errors) of code run in
 * `capture` goes into the widget instead of a cell. Like ipywidgets, the
 * kernel sets the widget's `msg_id` to the message the code runs for (the
 * cell's execute_request, or the comm_msg of a widget event) while it runs;
 * frontends route iopub messages with that parent into the widget.
 */
import { display } from "../display/display.js";
import { host } from "../display/host.js";
import { Layout } from "./controls.js";
import { reportCallbackError, Widget } from "./widget.js";

/** An Output widget (@jupyter-widgets/output OutputModel). */
export class Output extends Widget {
  /** See `widgets.output`. */
  constructor(options: { layout?: Record<string, string> } = {}) {
    super(
      { modelName: "OutputModel", modelModule: "@jupyter-widgets/output", viewName: "OutputView" },
      { _dom_classes: [], layout: new Layout(options.layout), tabbable: null, tooltip: null, msg_id: "", outputs: [] },
    );
    // The frontend that captured the outputs reports them; echoing them back would redraw them.
    this.noEcho("outputs");
  }

  /** The outputs a frontend reported (nbformat output dicts). */
  get outputs(): Record<string, unknown>[] {
    return this.get("outputs") as Record<string, unknown>[];
  }

  /**
   * Runs `fn` with its output going into this widget; an error it throws (or
   * its promise rejects with) is shown there and reported, not thrown on.
   * Resolves with fn's result (undefined after an error).
   * @example await out.run(() => console.log("into the widget"))
   */
  run<R>(fn: () => R | Promise<R>): R | undefined | Promise<R | undefined> {
    const id = host().parentMessageId?.();
    const previous = this.get("msg_id");
    if (id) this.set({ msg_id: id });
    const restore = () => {
      if (id) this.set({ msg_id: previous });
    };
    let result: R | Promise<R>;
    try {
      result = fn();
    } catch (error) {
      reportCallbackError(error, "code captured by an Output widget");
      restore();
      return undefined;
    }
    if (!(result instanceof Promise)) {
      restore();
      return result;
    }
    return result.then(
      (value) => value,
      (error: unknown) => {
        reportCallbackError(error, "code captured by an Output widget");
        return undefined;
      },
    ).finally(restore);
  }

  /**
   * Wraps `fn` so that every call runs through `run` (its output goes into this
   * widget): the way to give widget callbacks a place to print.
   * @example button.onClick(out.capture(() => console.log("clicked")))
   */
  capture<A extends unknown[], R>(fn: (...args: A) => R | Promise<R>): (...args: A) => R | undefined | Promise<R | undefined> {
    return (...args: A) => this.run(() => fn(...args));
  }

  /** Shows a value in this widget (like display(), into the widget). */
  display(value: unknown): void {
    this.run(() => void display(value));
  }

  /** Clears what this widget shows; with wait: true, only when the next output arrives (no flicker). */
  clear(options: { wait?: boolean } = {}): void {
    this.run(() => host().display({ type: "clear_output", wait: options.wait ?? false }));
  }
}
