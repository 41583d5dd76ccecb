/** downloadFile's own guards, below locateWeights: a host lookup that never answers. */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { downloadFile } from "../../../lib/weights/download.js";
import { WeightsError } from "../../../lib/weights/errors.js";
import { silentProgress } from "../../../lib/weights/progress.js";
import { filesUnder } from "./fake-hub.js";

describe("downloadFile", () => {
  it("gives up on a host lookup that never answers, after the timeout", async () => {
    const folder = mkdtempSync(join(tmpdir(), "tc-download-"));
    const error = await downloadFile("http://hub.invalid/org/name/resolve/main/model.safetensors", join(folder, "sub", "model.safetensors"), {
      timeoutMs: 300,
      progress: silentProgress,
      lookup: () => {}, // never calls back, like a resolver that hangs
      manualHint: "Put it at X.",
    }).then(() => undefined, (e: unknown) => e);
    expect(error).toBeInstanceOf(WeightsError);
    expect((error as Error).message).toBe("Cannot download http://hub.invalid/org/name/resolve/main/model.safetensors: no connection within 0.3 s (HF_HUB_DOWNLOAD_TIMEOUT). Put it at X.");
    expect(filesUnder(folder)).toEqual([]);
  });
});
