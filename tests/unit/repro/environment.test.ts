import * as tf from "@tensorflow/tfjs";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  clearRecordedDataFiles,
  environmentInfo,
  recordDataFile,
  seed,
  unseed,
} from "../../../lib/repro/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => {
  unseed();
  clearRecordedDataFiles();
});

describe("environmentInfo", () => {
  it("reports versions, machine, backend, seed and lockfile hashes", () => {
    seed(99);
    const info = environmentInfo();
    const manifest = JSON.parse(readFileSync("package.json", "utf8")) as { version: string };
    expect(info.tensorcell.version).toBe(manifest.version);
    expect(info.node).toBe(process.version);
    expect(info.os.cpuCount).toBeGreaterThan(0);
    expect(info.os.platform).toBe(process.platform);
    expect(info.backend.name).toBe("cpu");
    expect(info.backend.version).toBe(tf.version["tfjs-core"]);
    expect(info.tfjs["tfjs-core"]).toMatch(/^\d+\.\d+\.\d+/);
    expect(info.seed).toBe(99);
    const lockHash = createHash("sha256").update(readFileSync("package-lock.json")).digest("hex");
    expect(info.packageLock.kernel?.sha256).toBe(lockHash);
    expect(info.packageLock.cwd?.sha256).toBe(lockHash);
    expect(JSON.parse(JSON.stringify(info))).toEqual(info); // plain JSON, ready for notebook metadata
  });

  it("lists recorded data files with their SHA-256, once per path", () => {
    const dir = mkdtempSync(join(tmpdir(), "tc-env-"));
    const file = join(dir, "a.bin");
    writeFileSync(file, "abc");
    recordDataFile(file);
    recordDataFile(file, new TextEncoder().encode("abc"));
    const info = environmentInfo();
    expect(info.seed).toBeNull();
    expect(info.dataFiles).toEqual([
      { path: file, bytes: 3, sha256: "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad" },
    ]);
  });
});
