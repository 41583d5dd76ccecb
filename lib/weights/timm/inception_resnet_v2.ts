/** Inception-ResNet-v2 (timm inception_resnet_v2.py): conv2d_1a..conv2d_7b, mixed_5b..mixed_7a, repeat(_1, _2), block8, classif. */
import type { TimmFamilyMap } from "./family.js";

/** How Inception-ResNet-v2 checkpoints map onto tensorcell's inception_resnet_v2 models. */
export const INCEPTION_RESNET_V2_MAP: TimmFamilyMap = {
  family: "inception_resnet_v2",
  matches: (keys) => keys.has("conv2d_1a.conv.weight") && keys.has("classif.weight"),
  classifier: ["classif"],
};
