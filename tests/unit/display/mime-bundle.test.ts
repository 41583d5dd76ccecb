import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { decode } from "fast-png";
import jpeg from "jpeg-js";
import { mimeBundle, pngEncode, tensorToPng, VEGALITE_MIME } from "../../../lib/display/index.js";
import { assertWellFormedXml } from "./xml.js";

const decodeBase64Png = (b64: unknown) => decode(Buffer.from(b64 as string, "base64"));

describe("mimeBundle", () => {
  it("returns undefined for undefined and util.inspect text for plain values", async () => {
    expect(await mimeBundle(undefined)).toBeUndefined();
    expect((await mimeBundle(42))?.data).toEqual({ "text/plain": "42" });
    expect((await mimeBundle("abc"))?.data["text/plain"]).toBe("'abc'");
    expect((await mimeBundle({ a: [1, 2] }))?.data["text/plain"]).toBe("{ a: [ 1, 2 ] }");
    expect((await mimeBundle(null))?.data["text/plain"]).toBe("null");
  });

  it("shows a small tensor with a shape/dtype header and an HTML table of its values", async () => {
    const bundle = (await mimeBundle(tf.tensor2d([[1, 2.5], [3, -4]])))!.data;
    expect(bundle["text/plain"]).toMatch(/^Tensor float32 \[2,2\] \(4 values\)\n/);
    const html = bundle["text/html"] as string;
    expect(html).toContain("Tensor float32 [2,2]");
    expect(html).toContain(">2.5</td>");
    expect(html).toContain(">-4</td>");
    expect(bundle["image/png"]).toBeUndefined();
  });

  it("shows an image-like tensor as an upscaled PNG with the right pixels", async () => {
    const image = tf.tidy(() => tf.linspace(0, 1, 64).reshape([8, 8, 1]));
    const png = decodeBase64Png((await mimeBundle(image))!.data["image/png"]);
    expect([png.width, png.height, png.channels]).toEqual([128, 128, 1]);
    expect(png.data[0]).toBe(0);
    expect(png.data[png.data.length - 1]).toBe(255);
  });

  it("survives empty and disposed tensors", async () => {
    expect((await mimeBundle(tf.tensor([])))!.data["text/plain"]).toMatch(/^Tensor float32 \[0\]/);
    const gone = tf.zeros([2]);
    gone.dispose();
    expect((await mimeBundle(gone))!.data["text/plain"]).toContain("disposed");
  });

  it("summarises a LayersModel with params and FLOPs", async () => {
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [8, 8, 1], filters: 8, kernelSize: 3, name: "conv" }),
        tf.layers.flatten({ name: "flat" }),
        tf.layers.dense({ units: 10, name: "logits" }),
      ],
    });
    const { data } = (await mimeBundle(model))!;
    const text = data["text/plain"] as string;
    expect(text).toMatch(/conv\s+Conv2D\s+\[null,6,6,8\]\s+80\s+5.18 kFLOPs/);
    expect(text).toMatch(/logits\s+Dense\s+\[null,10\]\s+2,890\s+5.76 kFLOPs/);
    expect(text).toContain("Total params: 2,970");
    expect(text).toContain("10.94 kFLOPs");
    expect(data["text/html"]).toContain("<td>Conv2D</td>");
  });

  it("renders Vega-Lite specs to a compiling spec plus a well-formed SVG", async () => {
    const spec = {
      $schema: "https://vega.github.io/schema/vega-lite/v5.json",
      data: { values: [{ x: 1, y: 2 }, { x: 2, y: 5 }] },
      mark: "line",
      encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } },
    };
    const { data } = (await mimeBundle(spec))!;
    expect(data[VEGALITE_MIME]).toEqual(spec);
    const svg = data["image/svg+xml"] as string;
    expect(svg.startsWith("<svg")).toBe(true);
    assertWellFormedXml(svg);
    // The SVG draws this data: in the default 200x200 plot, x 1..2 spans 0..200 and y's
    // zero-based 0..5 axis puts y = 2 at 200 - 2/5 * 200 = 120 and y = 5 at the top.
    expect(svg).toMatch(/aria-roledescription="line mark" d="M0,120L200,0"/);
    const labels = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);
    expect(labels).toEqual(expect.arrayContaining(["x", "y", "0", "5", "1.0", "2.0"]));
    expect(data["text/plain"]).toBe("<Vega-Lite chart, 2 data rows>");
  });

  it("falls back to text/plain with the reason when a Vega-Lite spec is broken", async () => {
    const { data, metadata } = (await mimeBundle({ $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: 7 }))!;
    expect(Object.keys(data)).toEqual(["text/plain"]);
    expect(data["text/plain"]).toContain("rich display failed");
    expect(metadata).toHaveProperty("tensorcell.displayError");
  });

  it("sniffs PNG and JPEG bytes", async () => {
    const png = pngEncode(new Uint8Array([255, 0, 0]), 1, 1, 3);
    expect((await mimeBundle(png))!.data["image/png"]).toBe(Buffer.from(png).toString("base64"));
    const jpg = jpeg.encode({ width: 1, height: 1, data: Buffer.from([0, 0, 255, 255]) }, 90).data;
    expect(Object.keys((await mimeBundle(new Uint8Array(jpg)))!.data)).toContain("image/jpeg");
    expect(Object.keys((await mimeBundle(new Uint8Array([1, 2, 3])))!.data)).toEqual(["text/plain"]);
  });

  it("uses an object's Jupyter.display method, sync or async, and keeps text/plain", async () => {
    const sync = { [Symbol.for("Jupyter.display")]: () => ({ "text/html": "<b>hi</b>" }) };
    const bundle = (await mimeBundle(sync))!.data;
    expect(bundle["text/html"]).toBe("<b>hi</b>");
    expect(typeof bundle["text/plain"]).toBe("string");
    const later = { [Symbol.for("Jupyter.display")]: async () => ({ "text/markdown": "# hi", "text/plain": "hi" }) };
    expect((await mimeBundle(later))!.data).toEqual({ "text/markdown": "# hi", "text/plain": "hi" });
    const broken = { [Symbol.for("Jupyter.display")]: () => { throw new Error("boom"); } };
    expect((await mimeBundle(broken))!.data["text/plain"]).toContain("rich display failed: boom");
  });

  it("shows arrays of records as tables", async () => {
    const { data } = (await mimeBundle([{ name: "a", acc: 0.91234567 }, { name: "b", loss: 2 }]))!;
    expect(data["text/html"]).toContain("<th>name</th><th>acc</th><th>loss</th>");
    expect(data["text/html"]).toContain(">0.91235</td>");
    expect(data["text/plain"]).toMatch(/name\s+acc\s+loss/);
  });
});

describe("PNG helpers", () => {
  it("encode exact pixels that decode back", () => {
    const pixels = new Uint8Array([0, 64, 128, 255]);
    const png = decode(pngEncode(pixels, 2, 2, 1));
    expect([png.width, png.height, png.channels]).toEqual([2, 2, 1]);
    expect(Array.from(png.data)).toEqual([0, 64, 128, 255]);
  });

  it("scales tensor values by the documented rules", () => {
    expect(Array.from(decode(tensorToPng(tf.tensor2d([[0, 0.5], [1, 0.25]]))).data)).toEqual([0, 128, 255, 64]);
    expect(Array.from(decode(tensorToPng(tf.tensor2d([[0, 10], [200, 255]], undefined, "int32"))).data)).toEqual([0, 10, 200, 255]);
    expect(Array.from(decode(tensorToPng(tf.tensor2d([[-1, 0], [1, 3]]))).data)).toEqual([0, 64, 128, 255]);
    const rgb = decode(tensorToPng(tf.tensor4d([1, 0, 0, 0, 1, 0], [1, 1, 2, 3])));
    expect([rgb.width, rgb.height, rgb.channels]).toEqual([2, 1, 3]);
  });

  it("rejects non-image and empty tensors with a clear error", () => {
    expect(() => tensorToPng(tf.zeros([2, 3, 5]))).toThrow(/image-like tensor .* got shape \[2,3,5\]/);
    expect(() => tensorToPng(tf.zeros([0, 4]))).toThrow(/empty tensor/);
    expect(() => pngEncode(new Uint8Array(3), 2, 2, 1)).toThrow(/expected 2\*2\*1 = 4 values/);
  });
});
