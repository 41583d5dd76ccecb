/** InceptionNeXt (timm inception_next.py): MetaNeXt stages with token_mixer.dwconv_{hw,w,h}, BatchNorm, ConvMlp; head.{fc1,norm,fc2}. */
import type { TimmFamilyMap } from "./family.js";

/** How InceptionNeXt checkpoints are recognised and which module is their classifier head. */
export const INCEPTION_NEXT_MAP: TimmFamilyMap = {
  family: "inception_next",
  matches: (keys) => keys.has("stages.0.blocks.0.token_mixer.dwconv_hw.weight"),
  // timm's MlpClassifierHead.reset_classifier replaces fc2 only.
  classifier: ["head.fc2"],
};
