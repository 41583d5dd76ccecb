/**
 * IBN-Net (the authors' XingangPan/IBN-Net resnet_ibn.py; no timm weights):
 * torchvision's ResNet keys, with IBN-a's split norms layerN.i.bn1.{IN,BN}
 * and IBN-b's InstanceNorm at bn1 (no running statistics) and layerN.i.IN.
 */
import type { TimmFamilyMap } from "./family.js";

/** How IBN-Net checkpoints map onto tensorcell's resnet_ibn models. */
export const RESNET_IBN_MAP: TimmFamilyMap = {
  family: "resnet_ibn",
  matches: (keys) =>
    keys.has("layer1.0.conv1.weight") &&
    ((keys.has("bn1.weight") && !keys.has("bn1.running_mean")) || [...keys].some((key) => key.endsWith(".IN.weight"))),
  classifier: ["fc"],
};
