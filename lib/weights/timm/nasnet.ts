/** NASNet-A Large (timm nasnet.py): conv0.{conv,bn}, cell_stem_0/1, cell_i and reduction_cell_i (comb_iter_k_{left,right}.separable_j.{depthwise,pointwise}_conv2d, bn_sep_j), last_linear. */
import type { TimmFamilyMap } from "./family.js";

/** How NASNet-A Large checkpoints map onto tensorcell's nasnet models. */
export const NASNET_MAP: TimmFamilyMap = {
  family: "nasnet",
  matches: (keys) => keys.has("conv0.conv.weight") && keys.has("cell_stem_0.conv_1x1.conv.weight"),
  classifier: ["last_linear"],
};
