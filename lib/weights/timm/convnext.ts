/** ConvNeXt (timm convnext.py): stem.{0,1}, stages.i.downsample.{0,1}, stages.i.blocks.j.{conv_dw,norm,mlp,gamma}, head.{norm,fc}. */
import type { TimmFamilyMap } from "./family.js";

/** timm builds these with conv_mlp=True: the block MLP is two 1x1 convolutions ([out, in, 1, 1] weights). */
const CONV_MLP = new Set(["convnext_atto", "convnext_femto", "convnext_pico", "convnext_nano"]);

/** How ConvNeXt checkpoints are recognised and which module is their classifier head. */
export const CONVNEXT_MAP: TimmFamilyMap = {
  family: "convnext",
  matches: (keys) => keys.has("stages.0.blocks.0.conv_dw.weight"),
  classifier: ["head.fc"],
  saveShape: (modelName, key, shape) => (CONV_MLP.has(modelName) && /\.mlp\.fc[12]\.weight$/.test(key) ? [...shape, 1, 1] : shape),
};
