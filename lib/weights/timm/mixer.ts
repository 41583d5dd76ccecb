/** MLP-Mixer (timm mlp_mixer.py): stem.proj, blocks.i.{norm1,mlp_tokens,norm2,mlp_channels}, norm, head. */
import type { TimmFamilyMap } from "./family.js";

/** How MLP-Mixer checkpoints are recognised and which module is their classifier head. */
export const MIXER_MAP: TimmFamilyMap = {
  family: "mixer",
  matches: (keys) => keys.has("stem.proj.weight") && keys.has("blocks.0.mlp_tokens.fc1.weight"),
  classifier: ["head"],
};
