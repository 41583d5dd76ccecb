/** ResNet (torchvision / timm resnet.py): conv1, bn1, layerN.i.{conv,bn}k, downsample.{0,1}, fc. */
import type { TimmFamilyMap } from "./family.js";

/** How ResNet checkpoints are recognised and which module is their classifier head. */
export const RESNET_MAP: TimmFamilyMap = {
  family: "resnet",
  matches: (keys) => keys.has("conv1.weight") && keys.has("layer1.0.conv1.weight"),
  classifier: ["fc"],
};
