import { describe, expect, it } from "vitest";
import { display, flushDisplays } from "../../../lib/display/index.js";
import { recordDisplays } from "./fake-host.js";

describe("display()", () => {
  it("publishes display_data with a display id, and update() replaces it by that id", () => {
    const messages = recordDisplays();
    const handle = display(3, { id: "abc", metadata: { note: 1 } });
    handle.update(4);
    expect(messages).toEqual([
      { type: "display_data", data: { "text/plain": "3" }, metadata: { note: 1 }, displayId: "abc" },
      { type: "update_display_data", data: { "text/plain": "4" }, metadata: { note: 1 }, displayId: "abc" },
    ]);
  });

  it("gives each display a fresh id and keeps the typed variant's format on update", () => {
    const messages = recordDisplays();
    const a = display.html("<b>x</b>");
    const b = display.markdown("*y*");
    expect(a.id).not.toBe(b.id);
    a.update("<i>z</i>");
    expect(messages[2]).toMatchObject({ type: "update_display_data", displayId: a.id, data: { "text/html": "<i>z</i>", "text/plain": "z" } });
    expect(messages[1]!.type === "display_data" && messages[1]!.data["text/markdown"]).toBe("*y*");
  });

  it("sends latex, svg, json, text, vegalite and clear_output", () => {
    const messages = recordDisplays();
    display.latex("$x$");
    display.svg("<svg/>");
    display.json({ a: 1 });
    display.text("plain");
    display.vegalite({ data: { values: [{ a: 1 }] }, mark: "point", encoding: { x: { field: "a", type: "quantitative" } } });
    display.clear({ wait: true });
    const kinds = messages.map((m) => (m.type === "clear_output" ? `clear:${m.wait}` : Object.keys(m.data).join("+")));
    expect(kinds).toEqual([
      "text/latex+text/plain",
      "image/svg+xml+text/plain",
      "application/json+text/plain",
      "text/plain",
      "application/vnd.vegalite.v5+json+image/svg+xml+text/plain",
      "clear:true",
    ]);
  });

  it("throws a clear error for bytes that are not the promised image type", () => {
    recordDisplays();
    expect(() => display.png(new Uint8Array([1, 2, 3]))).toThrow(/not a PNG image/);
    expect(() => display.jpeg(new Uint8Array([0x89, 0x50]))).toThrow(/not a JPEG image/);
  });

  it("keeps call order when a value's display method is async", async () => {
    const messages = recordDisplays();
    display({ [Symbol.for("Jupyter.display")]: async () => ({ "text/plain": "first" }) });
    display("second");
    await flushDisplays();
    expect(messages.map((m) => m.type !== "clear_output" && m.data["text/plain"])).toEqual(["first", "'second'"]);
  });
});
