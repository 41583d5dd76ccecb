/**
 * Vega-Lite for the HTML report: each chart rendered to SVG here (Node, no
 * browser), plus the vega and vega-lite browser builds from node_modules so
 * the chart turns interactive when the reader's browser runs JavaScript.
 * Nothing is fetched: when the builds are not installed the report keeps SVG only.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

const require = createRequire(import.meta.url);

/** Mime types of Vega-Lite specs (v3 to v6) that the report renders. */
export const VEGALITE_MIME = /^application\/vnd\.vegalite\.v\d+\+json$/;

/** Renders a Vega-Lite spec to an SVG string; throws with the library's message if the spec is invalid. */
export async function vegaLiteToSvg(spec: Record<string, unknown>): Promise<string> {
  const vegaLite = await import("vega-lite");
  const vega = await import("vega");
  const compiled = vegaLite.compile(spec as unknown as Parameters<typeof vegaLite.compile>[0]).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

function packageFile(packageName: string, file: string): string | undefined {
  try {
    const path = join(dirname(require.resolve(`${packageName}/package.json`)), file);
    return existsSync(path) ? path : undefined;
  } catch {
    return undefined; // Not installed: the report falls back to static SVG.
  }
}

/**
 * The inline scripts that make charts interactive (vega and vega-lite UMD
 * builds, with `</script` escaped), or undefined when the builds are missing.
 */
export function interactiveRuntime(): string | undefined {
  const vegaBuild = packageFile("vega", "build/vega.min.js");
  const vegaLiteBuild = packageFile("vega-lite", "build/vega-lite.min.js");
  if (!vegaBuild || !vegaLiteBuild) return undefined;
  const inline = (path: string) => `<script>${readFileSync(path, "utf8").replace(/<\/script/gi, "<\\/script")}</script>`;
  return `${inline(vegaBuild)}\n${inline(vegaLiteBuild)}\n<script>${UPGRADE_SCRIPT}</script>`;
}

/** Swaps each static SVG for a live vega view; leaves the SVG when anything fails. */
const UPGRADE_SCRIPT = `
document.querySelectorAll("[data-vegalite]").forEach(function (box) {
  try {
    var spec = JSON.parse(document.getElementById(box.getAttribute("data-vegalite")).textContent);
    var target = document.createElement("div");
    var view = new vega.View(vega.parse(vegaLite.compile(spec).spec), { renderer: "svg", container: target, hover: true });
    view.runAsync().then(function () { box.replaceChildren(target); }, function (e) { console.warn("chart stays static:", e); });
  } catch (e) { console.warn("chart stays static:", e); }
});`;
