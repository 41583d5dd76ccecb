import { describe, expect, it } from "vitest";
import { mimeBundle, VEGALITE_MIME } from "../../../lib/display/index.js";
import { viz } from "../../../lib/viz/index.js";

/** The rendered SVG's own width and height attributes. */
function svgSize(svg: string): [number, number] {
  const match = /<svg[^>]*\swidth="([\d.]+)"[^>]*\sheight="([\d.]+)"/.exec(svg);
  if (!match) throw new Error("no sized <svg> element");
  return [Number(match[1]), Number(match[2])];
}

describe("viz.confusionMatrix sizes", () => {
  it("gives a 2-class matrix 100 px cells and larger count labels", async () => {
    const out = viz.confusionMatrix([0, 0, 1, 1], [0, 1, 1, 1], { classNames: ["neg", "pos"] });
    const { data } = (await mimeBundle(out))!;
    const spec = data[VEGALITE_MIME] as { width: number; height: number; layer: { mark: { type: string; fontSize?: number } }[] };
    expect([spec.width, spec.height]).toEqual([200, 200]);
    expect(spec.layer[1]!.mark.fontSize).toBe(18);
    const [width, height] = svgSize(data["image/svg+xml"] as string);
    expect(width).toBeGreaterThan(200);
    expect(height).toBeGreaterThan(200);
  });

  it("keeps cells at least 24 px up to 40 classes and 12 px beyond", async () => {
    const ids = (n: number) => Array.from({ length: n }, (_, i) => i);
    const spec = async (n: number) => ((await mimeBundle(viz.confusionMatrix(ids(n), ids(n))))!.data[VEGALITE_MIME] as { width: number });
    expect((await spec(10)).width).toBe(480);
    expect((await spec(30)).width).toBe(30 * 24);
    expect((await spec(50)).width).toBe(50 * 12);
  });
});
