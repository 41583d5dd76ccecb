/**
 * Full-size parity with timm: loads the files written by
 * bench/models/timm_full_reference.py (timm's network at its default config,
 * random weights, one default-size input, eval-mode logits) into the named
 * tensorcell model through lib/weights' timm loader (every key used, every
 * shape checked) and prints the relative error of the logits on wasm.
 *
 * Run: npx vite-node bench/models/full-parity.ts DIR [name ...]
 */
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../lib/backend/index.js";
import { models } from "../../lib/models/index.js";
import { loadReference, readParityFixture, relativeError } from "../../tests/unit/models/parity-fixtures.js";

const [dir, ...names] = process.argv.slice(2);
if (!dir) throw new Error("usage: full-parity.ts DIR [name ...]");
await initBackend("wasm");
for (const name of names.length ? names : ["inception_v4", "inception_resnet_v2", "spnasnet_100", "nasnetalarge"]) {
  const t0 = performance.now();
  const path = join(dir, `${name}.safetensors`);
  const { weights, tensors } = readParityFixture(path, ["__input__", "__logits__"]);
  const input = tf.tidy(() => tensors.get("__input__")!.transpose([0, 2, 3, 1]));
  const model = models.create(name, { headActivation: "linear" });
  loadReference(model, weights, path);
  const logits = model.predict(input) as tf.Tensor;
  const error = relativeError(logits, tensors.get("__logits__")!);
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`${name} [${input.shape.join(", ")}]: relative error ${error.toExponential(2)} (${tf.getBackend()}), strict load of ${weights.tensors.size} timm tensors, ${seconds} s`);
  tf.dispose([logits, input, ...tensors.values()]);
  model.dispose();
}
