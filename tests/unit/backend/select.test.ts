// Backend selection: prediction without loading, auto order and fallback with
// one stderr line and its fix, useBackend errors that leave the backend alone.
// (tfjs-node and tfjs-node-gpu are not installed on the test machine; the optional
// webgpu packages are, and the machine has no GPU, so Dawn finds no adapter.)
import { afterEach, describe, expect, it, vi } from "vitest";
import { backendInfo, initBackend, normalizeBackendName, predictBackend, tf, useBackend } from "../../../lib/backend/index.js";

afterEach(() => vi.restoreAllMocks());

describe("backend selection", () => {
  it("normalises names and rejects unknown ones with the list", () => {
    expect(normalizeBackendName("tfjs-node")).toBe("node");
    expect(normalizeBackendName("WASM")).toBe("wasm");
    expect(normalizeBackendName("@tensorflow/tfjs-node-gpu")).toBe("node-gpu");
    expect(() => normalizeBackendName("tpu")).toThrow(/Unknown backend "tpu". Use one of: auto, node-gpu, webgpu, node, wasm, cpu/);
  });

  it("predicts wasm for auto here, and says why, without loading tfjs backends", () => {
    const prediction = predictBackend("auto");
    expect(prediction.name).toBe("wasm");
    expect(prediction.reason).toContain("tfjs-node not installed");
    expect(prediction.reason).toContain("no GPU device for WebGPU");
    expect(predictBackend("node").reason).toMatch(/node requested .* @tensorflow\/tfjs-node is not installed; falling back to wasm/);
    expect(predictBackend("cpu")).toEqual({ name: "cpu", reason: "requested by the kernel option" });
  });

  it("auto picks wasm quietly; a requested backend that fails prints one line with the fix and falls back", async () => {
    const lines: string[] = [];
    vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    const auto = await initBackend("auto");
    expect(auto.name).toBe("wasm");
    expect(auto.attempts.map((a) => [a.name, a.ok])).toEqual([["node-gpu", false], ["webgpu", false], ["node", false], ["wasm", true]]);
    expect(auto.attempts[1].error).toMatch(/^no GPU device visible/); // Dawn is not even started without a device node
    expect(auto.attempts[2].fix).toMatch(/npm install @tensorflow\/tfjs-node/);
    expect(auto.kernelsAdded).toEqual(expect.arrayContaining(["Conv2DBackpropFilter", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput", "UnsortedSegmentSum"]));
    expect(auto.simd).toBe(true);
    expect(lines).toEqual([]); // absent optional packages are not failures in auto mode

    const requested = await initBackend("node");
    expect(requested.name).toBe("wasm");
    expect(requested.reason).toMatch(/node was requested but failed; fell back to wasm/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^tensorcell: backend node failed: @tensorflow\/tfjs-node is not installed\. Fix: npm install @tensorflow\/tfjs-node .* Trying wasm\.\n$/);
  });

  it("useBackend switches, and refuses an unavailable backend with the fix, keeping the current one", async () => {
    await initBackend("auto");
    const cpu = await useBackend("cpu");
    expect(cpu.name).toBe("cpu");
    expect(tf.getBackend()).toBe("cpu");
    await expect(useBackend("webgpu")).rejects.toThrow(/^Backend "webgpu" is unavailable: Dawn found no WebGPU adapter \(no GPU, or no Vulkan driver\)\. Fix: install the GPU's Vulkan driver .* The current backend \(cpu\) is still in use\.$/);
    expect(tf.getBackend()).toBe("cpu");
    // The refusal leaves no WebGPU globals for cells or other libraries to trip on.
    expect((globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage).toBeUndefined();
    expect((globalThis as { navigator?: { gpu?: unknown } }).navigator?.gpu).toBeUndefined();
    await expect(useBackend("tfjs-node-gpu")).rejects.toThrow(/tfjs-node-gpu is not installed/);
    const wasm = await useBackend("wasm");
    expect(wasm.name).toBe("wasm");
    expect(backendInfo().tfjsBackend).toBe("wasm");
  });
});
