/**
 * Full-size parity: tensorcell's named variant at its default configuration
 * against the reference model (timm / hornet.py) for the same random weights
 * and BatchNorm statistics, written by bench/parity/generate_full.py. The
 * tests check the same code on reduced configurations; this checks the
 * default sizes (halo blocks of 8, 16x16 TNT patches, gnConv orders 2-5).
 *
 * Run: npx vite-node bench/parity/full-size.ts DIR...   (each DIR from generate_full.py NAME DIR)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { loadReferenceState } from "../../tests/unit/models/reference-mappings.js";
import { readReferenceFixture, relativeError } from "../../tests/unit/models/reference-weights.js";

const info = await initBackend("wasm");
if (info.name !== "wasm") throw new Error(`wasm backend unavailable: ${info.reason}`);
for (const dir of process.argv.slice(2)) {
  const { model: name } = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { model: string };
  const family = models.info(name).family;
  const fixture = readReferenceFixture(family, dir);
  const model = models.create(name, { headActivation: "linear" });
  loadReferenceState(family, model, fixture.state);
  const t0 = performance.now();
  const out = model.predict(fixture.input) as tf.Tensor;
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${name}: input [${fixture.input.shape.join(", ")}], relative error of logits ${relativeError(out, fixture.logits).toExponential(2)}, forward ${seconds.toFixed(1)} s (wasm)`);
  tf.dispose([out, ...fixture.state.values(), ...fixture.tensors.values()]);
  model.dispose();
}
