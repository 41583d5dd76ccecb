/** SPNASNet (timm efficientnet.py, spnasnet_100): conv_stem, bn1, blocks.i.j.{conv_dw,bn1,conv_pw,bn2,conv_pwl,bn3}, conv_head, bn2, classifier. */
import type { TimmFamilyMap } from "./family.js";

/** How SPNASNet checkpoints map onto tensorcell's spnasnet models. */
export const SPNASNET_MAP: TimmFamilyMap = {
  family: "spnasnet",
  matches: (keys) => keys.has("conv_stem.weight") && keys.has("blocks.0.0.conv_dw.weight"),
  classifier: ["classifier"],
};
