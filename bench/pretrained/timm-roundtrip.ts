/**
 * Full-size check of models.save(model, "x.safetensors") against timm: each
 * model is created at its default size (random weights, BatchNorm statistics
 * randomised), saved in timm's layout, loaded by timm.create_model(name,
 * pretrained=True, pretrained_cfg_overlay=dict(file=...)) with strict keys,
 * and timm's logits compared with tensorcell's on the same input.
 *
 * Run: TIMM=/path/to/pytorch-image-models STUBS=/path/to/stubs npx vite-node bench/pretrained/timm-roundtrip.ts [names...]
 * (STUBS: a folder with importable huggingface_hub / safetensors packages, which timm imports.)
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { PRETRAINED_CONFIGS } from "../../lib/weights/pretrained-configs.js";
import { writeSafetensors } from "../../lib/weights/safetensors.js";

const names = process.argv.slice(2).length ? process.argv.slice(2) : Object.keys(PRETRAINED_CONFIGS);
await initBackend("wasm");
const root = mkdtempSync(join(tmpdir(), "timm-roundtrip-"));
const pairs: string[] = [];
for (const name of names) {
  const started = Date.now();
  const model = models.create(name, { headActivation: "linear" });
  for (const layer of model.layers) {
    if (layer.getClassName() !== "BatchNormalization") continue;
    const [gamma, beta, mean, variance] = layer.getWeights();
    layer.setWeights([tf.randomUniform(gamma.shape, 0.5, 1.5), tf.randomNormal(beta.shape, 0, 0.1), tf.randomNormal(mean.shape, 0, 0.2), tf.randomUniform(variance.shape, 0.5, 2)]);
  }
  const shape = [2, ...PRETRAINED_CONFIGS[name].inputShape];
  const input = tf.randomNormal(shape);
  const logits = (model.predict(input) as tf.Tensor).dataSync() as Float32Array;
  const dir = join(root, name);
  mkdirSync(dir);
  await models.save(model, join(dir, "model.safetensors"));
  writeFileSync(join(dir, "io.safetensors"), writeSafetensors({ input: { shape, data: input.dataSync() as Float32Array }, logits: { shape: [2, logits.length / 2], data: logits } }));
  console.log(`${name}: saved in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  model.dispose();
  input.dispose();
  pairs.push(name, dir);
}
const env = { ...process.env, PYTHONPATH: [process.env.STUBS, process.env.TIMM].filter(Boolean).join(":") };
execFileSync("/usr/bin/python3", [join(import.meta.dirname, "timm_load.py"), ...pairs], { stdio: "inherit", env });
