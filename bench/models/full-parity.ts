/**
 * Full-size parity with timm: loads the files written by
 * bench/models/timm_full_reference.py (timm's network at its default config,
 * random weights, one default-size input, eval-mode logits) into the named
 * tensorcell model and prints the relative error of the logits on wasm.
 *
 * Run: npx vite-node bench/models/full-parity.ts DIR [name ...]
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { loadTimmWeights, readTimmFixture, relativeError } from "../../tests/unit/models/timm-fixtures.js";

const [dir, ...names] = process.argv.slice(2);
if (!dir) throw new Error("usage: full-parity.ts DIR [name ...]");
await initBackend("wasm");
for (const name of names.length ? names : ["inception_v4", "inception_resnet_v2", "spnasnet_100", "nasnetalarge"]) {
  const t0 = performance.now();
  const fixture = readTimmFixture(join(dir, `${name}.safetensors`));
  const model = models.create(name, { headActivation: "linear" });
  const unused = loadTimmWeights(model, fixture.state);
  const logits = model.predict(fixture.input) as tf.Tensor;
  const error = relativeError(logits.dataSync() as Float32Array, fixture.logits);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`${name} [1, ${fixture.config.inputShape.join(", ")}]: relative error ${error.toExponential(2)} (${tf.getBackend()}), unused timm tensors ${unused.length}, ${seconds} s`);
  tf.dispose([logits, fixture.input]);
  model.dispose();
}
