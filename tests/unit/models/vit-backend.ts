// Test helper: the backend the ViT-family tests run on. wasm with tensorcell's extra gradient kernels
// trains vit_tiny_patch4_32 about 20x faster than the pure-JS cpu backend (~15 s a step on this machine).
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../../../lib/backend/index.js";

/** Selects wasm through lib/backend's initBackend (which also installs the Tile gradient fix); returns the backend in use. */
export async function useTrainingBackend(): Promise<string> {
  await initBackend("wasm");
  return tf.getBackend();
}
