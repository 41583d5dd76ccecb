/**
 * UniRepLKNet (the authors' AILab-CVC/UniRepLKNet unireplknet.py; no timm
 * weights): downsample_layers.i.j, stages.i.j.{dwconv (lk_origin, origin_bn,
 * dil_conv_k*_*, dil_bn_k*_*, or the deploy form's lk_origin with bias),
 * norm, se.{down,up}, pwconv1.1, act.1 (GRN gamma/beta [1,1,1,C]), pwconv2.{0,2}, gamma},
 * norm, head. Training and deploy (re-parameterised) forms both load.
 */
import type { TimmFamilyMap } from "./family.js";

/** How UniRepLKNet checkpoints map onto tensorcell's unireplknet models. */
export const UNIREPLKNET_MAP: TimmFamilyMap = {
  family: "unireplknet",
  matches: (keys) => keys.has("downsample_layers.0.0.weight") && [...keys].some((key) => key.startsWith("stages.0.0.dwconv.")),
  classifier: ["head"],
};
