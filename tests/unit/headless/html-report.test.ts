import { describe, expect, it } from "vitest";
import { markdownToHtml } from "../../../kernel/headless/html/markdown.js";
import { renderHtmlReport } from "../../../kernel/headless/html/report.js";
import { parseNotebook } from "../../../kernel/headless/notebook.js";

describe("HTML report", () => {
  it("renders markdown safely", () => {
    expect(markdownToHtml("# T <b>\nsome `x<y` and **bold**\n\n- a\n- b")).toBe(
      "<h1>T &lt;b&gt;</h1>\n<p>some <code>x&lt;y</code> and <strong>bold</strong></p>\n<ul><li>a</li><li>b</li></ul>",
    );
  });

  it("inlines images, draws Vega-Lite charts as SVG and embeds the interactive runtime offline", async () => {
    const spec = { $schema: "https://vega.github.io/schema/vega-lite/v5.json", mark: "line", data: { values: [{ x: 1, y: 2 }, { x: 2, y: 3 }] }, encoding: { x: { field: "x", type: "quantitative" }, y: { field: "y", type: "quantitative" } } };
    const notebook = parseNotebook(
      JSON.stringify({
        nbformat: 4,
        nbformat_minor: 4,
        metadata: {},
        cells: [
          { cell_type: "markdown", metadata: {}, source: "## Result" },
          {
            cell_type: "code",
            metadata: {},
            source: "chart",
            execution_count: 1,
            outputs: [
              { output_type: "display_data", metadata: {}, data: { "application/vnd.vegalite.v5+json": spec, "text/plain": "chart" } },
              { output_type: "display_data", metadata: {}, data: { "image/png": "iVBORw0KGgo=", "text/plain": "img" } },
              { output_type: "stream", name: "stderr", text: "<warn>" },
            ],
          },
        ],
      }),
      "r.ipynb",
    );
    const html = await renderHtmlReport(notebook, { title: "r" });
    expect(html).toContain("<h2>Result</h2>");
    expect(html).toMatch(/<div class="chart" data-vegalite="vl-spec-0"><svg[^>]*>/);
    expect(html).toContain('<img src="data:image/png;base64,iVBORw0KGgo=" alt="">');
    expect(html).toContain("&lt;warn&gt;");
    expect(html).toContain("vegaLite.compile"); // the upgrade script
    expect(html).not.toMatch(/<script[^>]+src=/); // nothing loaded from elsewhere
    expect(html).not.toMatch(/https?:\/\/(?!vega\.github\.io\/schema)[^"'\s]*\.js/);
  });
});
