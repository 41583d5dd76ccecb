/**
 * Full-size check of the second-wave families' weight layouts: the keys and
 * shapes models.save(model, "x.safetensors") writes for each default model
 * equal its reference's state dict (bench/weights/reference_keys.py's JSON),
 * so timm's published weights (and the authors' checkpoints, converted to
 * .safetensors) load with models.create(name, { pretrained }).
 *
 * npx vite-node bench/weights/full-size-keys.ts /tmp/reference-keys.json
 */
import { readFileSync } from "node:fs";
import { models } from "../../lib/models/index.js";
import { timmStateDict } from "../../lib/weights/timm/save.js";

const path = process.argv[2];
if (!path) throw new Error("usage: full-size-keys.ts <reference-keys.json>");
const reference = JSON.parse(readFileSync(path, "utf8")) as Record<string, Record<string, number[]>>;
let failures = 0;
for (const [name, keys] of Object.entries(reference)) {
  const model = models.create(name);
  const ours = timmStateDict(model, "full-size-keys");
  const missing = Object.keys(keys).filter((k) => !(k in ours));
  const extra = Object.keys(ours).filter((k) => !(k in keys));
  const shapes = Object.keys(keys).filter((k) => k in ours && ours[k].shape.join(",") !== keys[k].join(","));
  const ok = missing.length + extra.length + shapes.length === 0;
  if (!ok) failures += 1;
  console.log(`${name}: ${Object.keys(keys).length} reference tensors, ${ok ? "same keys and shapes" : `missing ${missing.slice(0, 5)}, extra ${extra.slice(0, 5)}, shapes ${shapes.slice(0, 5)}`}`);
  model.dispose();
}
process.exitCode = failures ? 1 : 0;
