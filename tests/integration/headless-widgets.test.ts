/**
 * `tensorcell run` keeps the widgets a notebook made: their last state in
 * metadata.widgets (application/vnd.jupyter.widget-state+json 2.0, binary
 * values as base64 buffers), Output widgets holding what was captured into
 * them; Debian's nbconvert puts that state into its HTML.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { nbformatErrors, tempDir, tensorcell, writeTestNotebook } from "./headless-cli.js";

const STATE = "application/vnd.jupyter.widget-state+json";
const VIEW = "application/vnd.jupyter.widget-view+json";

type Output = { output_type: string; data?: Record<string, unknown>; text?: string };
type Nb = { cells: { outputs?: Output[] }[]; metadata: { widgets?: Record<string, { version_major: number; version_minor: number; state: Record<string, Saved> }> } };
type Saved = { model_name: string; model_module: string; model_module_version: string; state: Record<string, unknown>; buffers?: { encoding: string; path: unknown[]; data: string }[] };

const viewOf = (output: Output | undefined) => (output?.data?.[VIEW] as { model_id: string } | undefined)?.model_id ?? "";

describe("tensorcell run with widgets", () => {
  it("saves the widgets' last state in the notebook's metadata, and nbconvert's HTML carries it", async () => {
    const dir = tempDir();
    const path = writeTestNotebook(dir, "w.ipynb", [
      "const s = widgets.slider({ min: 0, max: 10, value: 2, description: 'k' }); s",
      "s.value = 7;\nconst img = widgets.image(new Uint8Array([137, 80, 78, 71])); img",
      "widgets.interact(({ k }) => `k is ${k}`, { k: [0, 10] })",
    ]);
    const out = join(dir, "w.out.ipynb");
    const result = await tensorcell(["run", path, "-o", out, "--quiet"]);
    expect(result.code, result.stderr).toBe(0);
    expect(await nbformatErrors(out)).toBe("");
    const nb = JSON.parse(readFileSync(out, "utf8")) as Nb;
    const saved = nb.metadata.widgets![STATE]!;
    expect([saved.version_major, saved.version_minor]).toEqual([2, 0]);
    const slider = saved.state[viewOf(nb.cells[0]!.outputs![0])]!;
    expect(slider).toMatchObject({ model_name: "IntSliderModel", model_module: "@jupyter-widgets/controls", model_module_version: "2.0.0", state: { value: 7, description: "k" } });
    const image = saved.state[viewOf(nb.cells[1]!.outputs![0])]!;
    expect(image.state.value).toBeUndefined();
    expect(image.buffers).toEqual([{ encoding: "base64", path: ["value"], data: Buffer.from([137, 80, 78, 71]).toString("base64") }]);
    // interact: the function's output went into the Output widget, not into the cell.
    const cell3 = nb.cells[2]!.outputs!;
    expect(cell3.map((o) => o.output_type)).toEqual(["execute_result"]);
    const box = saved.state[viewOf(cell3[0])]!;
    const outputId = String((box.state.children as string[]).at(-1)).slice(10);
    expect(saved.state[outputId]).toMatchObject({ model_name: "OutputModel", model_module: "@jupyter-widgets/output", state: { msg_id: "" } });
    expect(saved.state[outputId]!.state.outputs).toEqual([{ output_type: "display_data", data: { "text/plain": "'k is 5'" }, metadata: {} }]);

    // nbconvert's HTML embeds the saved state and a view for each widget output.
    const html = await new Promise<string>((done, fail) =>
      execFile("/usr/bin/python3", ["-m", "nbconvert", "--to", "html", "--stdout", out], { maxBuffer: 64 << 20, timeout: 120_000 }, (error, stdout, stderr) =>
        error ? fail(new Error(`nbconvert failed: ${stderr}`)) : done(stdout)),
    );
    const embedded = /<script type="application\/vnd\.jupyter\.widget-state\+json">\s*([\s\S]*?)\s*<\/script>/.exec(html);
    expect(embedded, "widget-state script in the HTML").not.toBeNull();
    const state = JSON.parse(embedded![1]!) as { state: Record<string, Saved> };
    expect(state.state[viewOf(nb.cells[0]!.outputs![0])]!.state.value).toBe(7);
    expect(html.match(/<script type="application\/vnd\.jupyter\.widget-view\+json">/g)).toHaveLength(3);
  }, 180_000);

  it("runs notebooks/widgets-tour.ipynb: every widget shown has its saved state", async () => {
    const out = join(tempDir(), "tour.ipynb");
    const result = await tensorcell(["run", resolve("notebooks/widgets-tour.ipynb"), "-o", out, "--quiet"]);
    expect(result.code, result.stderr).toBe(0);
    const nb = JSON.parse(readFileSync(out, "utf8")) as Nb;
    const saved = nb.metadata.widgets![STATE]!.state;
    const shown = nb.cells.flatMap((cell) => cell.outputs ?? []).map(viewOf).filter(Boolean);
    expect(shown).toHaveLength(3);
    for (const id of shown) expect(saved[id]?.model_name).toMatch(/^VBoxModel$/);
    const images = Object.values(saved).filter((m) => m.model_name === "ImageModel");
    expect(images).toHaveLength(1);
    expect(Buffer.from(images[0]!.buffers![0]!.data, "base64").subarray(1, 4).toString()).toBe("PNG");
  }, 180_000);
});
