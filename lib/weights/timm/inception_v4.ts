/** Inception-v4 (timm inception_v4.py): features.i (ConvNormAct conv/bn and the Mixed / Inception / Reduction blocks' branchN), last_linear. */
import type { TimmFamilyMap } from "./family.js";

/** How Inception-v4 checkpoints map onto tensorcell's inception_v4 models. */
export const INCEPTION_V4_MAP: TimmFamilyMap = {
  family: "inception_v4",
  matches: (keys) => keys.has("features.0.conv.weight") && keys.has("last_linear.weight"),
  classifier: ["last_linear"],
};
