/**
 * HorNet (the authors' raoyongming/HorNet hornet.py; no timm weights):
 * downsample_layers.i.j, stages.i.j.{norm1, gnconv.{proj_in,dwconv,pws.k,proj_out},
 * gamma1, norm2, pwconv1, pwconv2, gamma2}, norm, head. tensorcell shares
 * ConvNeXt's module names (stem, stages.i.downsample, stages.i.blocks.j,
 * head.norm, head.fc); `torchKey` renames them to the authors'.
 */
import type { TimmFamilyMap } from "./family.js";

const RENAMES: [RegExp, string][] = [
  [/^stem\.(\d)\./, "downsample_layers.0.$1."],
  [/^stages\.(\d+)\.downsample\.(\d)\./, "downsample_layers.$1.$2."],
  [/^stages\.(\d+)\.blocks\.(\d+)\.gnconv_out\.gamma$/, "stages.$1.$2.gamma1"],
  [/^stages\.(\d+)\.blocks\.(\d+)\.gamma$/, "stages.$1.$2.gamma2"],
  [/^stages\.(\d+)\.blocks\.(\d+)\./, "stages.$1.$2."],
  [/^head\.norm\./, "norm."],
  [/^head\.fc\./, "head."],
];

/** How HorNet checkpoints map onto tensorcell's hornet models. */
export const HORNET_MAP: TimmFamilyMap = {
  family: "hornet",
  matches: (keys) => keys.has("downsample_layers.0.0.weight") && keys.has("stages.0.0.gnconv.proj_in.weight"),
  classifier: ["head.fc"],
  torchKey: (key) => RENAMES.reduce((k, [pattern, replacement]) => k.replace(pattern, replacement), key),
};
