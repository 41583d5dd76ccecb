/**
 * notebooks/finetune-pretrained.ipynb run headless (`tensorcell run`): it completes,
 * decodes ImageNet labels, freezes the backbone and ends with the Eigen-CAM picture.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nbformatErrors, tempDir, tensorcell } from "./headless-cli.js";

type Output = { output_type: string; text?: string; data?: Record<string, string> };
type Cell = { cell_type: string; source: string | string[]; outputs?: Output[] };

describe("notebooks/finetune-pretrained.ipynb", () => {
  it("runs headless to the end and produces the Eigen-CAM image", async () => {
    const out = join(tempDir(), "finetune.ipynb");
    const result = await tensorcell(["run", "notebooks/finetune-pretrained.ipynb", "-o", out], { timeoutMs: 900_000 });
    expect(result.code, result.stderr).toBe(0);
    const nb = JSON.parse(readFileSync(out, "utf8")) as { cells: Cell[]; metadata: { tensorcell: { run: { status: string } } } };
    expect(nb.metadata.tensorcell.run.status).toBe("ok");
    const code = nb.cells.filter((cell) => cell.cell_type === "code");
    const outputs = code.flatMap((cell) => cell.outputs ?? []);
    expect(outputs.filter((o) => o.output_type === "error")).toEqual([]);
    const text = outputs.map((o) => o.text ?? o.data?.["text/plain"] ?? "").join("\n");
    expect(text).toContain("timm/convnext_atto.d2_in1k");
    expect(text).toMatch(/source: .*convnext_atto\.safetensors/); // the local file it was loaded from
    expect(text).toMatch(/-> 24,224,224,3/);
    expect(text).toMatch(/image 0 \(\w+\): [^,]+ \d+\.\d%, /); // decoded ImageNet labels
    expect(text).toMatch(/trainable parameters: 963 of /); // head only: 320 * 3 + 3
    const cam = code.at(-1)!.outputs!.find((o) => o.data?.["image/png"]);
    expect(cam?.data?.["text/plain"]).toMatch(/^Eigen-CAM of layer /);
    expect(Buffer.from(cam!.data!["image/png"], "base64").subarray(1, 4).toString()).toBe("PNG");
    expect(await nbformatErrors(out)).toBe("");
  }, 900_000);
});
