/**
 * Full-size parity: tensorcell's named variant at its default configuration
 * against the reference model (timm / hornet.py) for the same random weights
 * and BatchNorm statistics, written by bench/parity/generate_full.py and
 * loaded with models.create(name, { pretrained }). The tests check the same
 * code on reduced configurations; this checks the default sizes (halo blocks
 * of 8, 16x16 TNT patches, gnConv orders 2-5).
 *
 * Run: npx vite-node bench/parity/full-size.ts DIR...   (each DIR from generate_full.py NAME DIR)
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { initBackend, tf } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { readFixtureFolder, relativeError } from "../../tests/unit/models/parity-fixtures.js";

const dirs = process.argv.slice(2);
if (dirs.length === 0) {
  console.error("usage: npx vite-node bench/parity/full-size.ts DIR...   (each DIR written by bench/parity/generate_full.py NAME DIR)");
  process.exit(2);
}
const info = await initBackend("wasm");
if (info.name !== "wasm") throw new Error(`wasm backend unavailable: ${info.reason}`);
for (const dir of dirs) {
  const { model: name } = JSON.parse(readFileSync(join(dir, "config.json"), "utf8")) as { model: string };
  const family = models.info(name).family;
  const { tensors } = readFixtureFolder(family, dir);
  const input = tensors.get("input")!;
  const logits = tensors.get("logits")!;
  const model = await models.create(name, { headActivation: "linear", pretrained: join(dir, "weights.safetensors") });
  const t0 = performance.now();
  const out = model.predict(input) as tf.Tensor;
  const seconds = (performance.now() - t0) / 1000;
  console.log(`${name}: input [${input.shape.join(", ")}], relative error of logits ${relativeError(out, logits).toExponential(2)}, forward ${seconds.toFixed(1)} s (wasm)`);
  tf.dispose([out, ...tensors.values()]);
  model.dispose();
}
