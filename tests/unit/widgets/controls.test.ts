/** The widgets API outside a kernel (no comm): values, validation, observers and callback errors. */
import { describe, expect, it, vi } from "vitest";
import { widgets } from "../../../lib/widgets/index.js";

describe("widgets without a frontend", () => {
  it("picks IntSlider or FloatSlider and clips values into [min, max]", () => {
    const int = widgets.slider({ min: 0, max: 10, value: 4 });
    expect(int.get("_model_name")).toBe("IntSliderModel");
    int.value = 50;
    expect(int.value).toBe(10);
    const float = widgets.slider({ min: 0, max: 1, step: 0.05 });
    expect([float.get("_model_name"), float.get("readout_format")]).toEqual(["FloatSliderModel", ".2f"]);
  });

  it("maps a dropdown's index to its option's value, kept on the kernel side", () => {
    const dropdown = widgets.dropdown([["one", 1], ["two", 2]] as const, { value: 2 });
    expect([dropdown.get("index"), dropdown.value]).toEqual([1, 2]);
    dropdown.set({ index: 0 });
    expect(dropdown.value).toBe(1);
    expect(dropdown.fullState()).not.toHaveProperty("value");
    dropdown.value = 2;
    expect(dropdown.get("index")).toBe(1);
    expect(widgets.dropdown({ a: "x", b: "y" }).labels).toEqual(["a", "b"]);
  });

  it("fires observers on changes until unsubscribed; a throwing callback is reported, not thrown", () => {
    const box = widgets.checkbox();
    const seen: unknown[] = [];
    const stop = box.observe((change) => seen.push([change.name, change.old, change.new]));
    box.value = true;
    stop();
    box.value = false;
    expect(seen).toEqual([["value", false, true]]);
    const errors = vi.spyOn(console, "error").mockImplementation(() => undefined);
    try {
      const button = widgets.button({ description: "go" });
      let clicks = 0;
      button.onClick(() => { clicks++; throw new Error("boom"); });
      expect(() => button.click()).not.toThrow();
      expect(clicks).toBe(1);
      expect(String(errors.mock.calls[0]?.[0])).toMatch(/^Error in a button's onClick: Error: boom/);
    } finally {
      errors.mockRestore();
    }
  });

  it("shows a widget as a widget view with a text fallback", () => {
    const text = widgets.text({ value: "hi", description: "name" });
    const bundle = (text as unknown as Record<symbol, () => Record<string, unknown>>)[Symbol.for("Jupyter.display")]!();
    expect(bundle["application/vnd.jupyter.widget-view+json"]).toEqual({ model_id: text.modelId, version_major: 2, version_minor: 0 });
    expect(bundle["text/plain"]).toBe('Text(description="name", value="hi")');
  });

  it("interact builds one control per parameter and reruns the function on a change", () => {
    const calls: unknown[] = [];
    const ui = widgets.interact((values) => void calls.push(values), { k: [0, 10], act: ["relu", "gelu"], on: true, name: "x" });
    expect(Object.values(ui.controls).map((c) => c.get("_model_name"))).toEqual(["IntSliderModel", "DropdownModel", "CheckboxModel", "TextModel"]);
    ui.controls.k!.value = 7;
    expect(calls).toEqual([{ k: 5, act: "relu", on: true, name: "x" }, { k: 7, act: "relu", on: true, name: "x" }]);
  });
});
