/** The timm families tensorcell maps weights for, by tensorcell family name. */
import { CONVIT_MAP } from "./convit.js";
import { CONVNEXT_MAP } from "./convnext.js";
import type { TimmFamilyMap } from "./family.js";
import { HALONET_MAP } from "./halonet.js";
import { HORNET_MAP } from "./hornet.js";
import { INCEPTION_NEXT_MAP } from "./inception_next.js";
import { INCEPTION_RESNET_V2_MAP } from "./inception_resnet_v2.js";
import { INCEPTION_V4_MAP } from "./inception_v4.js";
import { MIXER_MAP } from "./mixer.js";
import { NASNET_MAP } from "./nasnet.js";
import { RESNET_MAP } from "./resnet.js";
import { RESNET_IBN_MAP } from "./resnet_ibn.js";
import { SPNASNET_MAP } from "./spnasnet.js";
import { TNT_MAP } from "./tnt.js";
import { UNIREPLKNET_MAP } from "./unireplknet.js";
import { VIT_MAP } from "./vit.js";

export type { TimmFamilyMap } from "./family.js";

/**
 * Every mapped family. Detection takes the first match: IBN-Net comes before
 * ResNet, whose keys its checkpoints share (its InstanceNorms tell them apart).
 */
export const TIMM_FAMILIES: TimmFamilyMap[] = [
  RESNET_IBN_MAP,
  RESNET_MAP,
  CONVNEXT_MAP,
  INCEPTION_NEXT_MAP,
  VIT_MAP,
  CONVIT_MAP,
  MIXER_MAP,
  INCEPTION_V4_MAP,
  INCEPTION_RESNET_V2_MAP,
  SPNASNET_MAP,
  TNT_MAP,
  HORNET_MAP,
  HALONET_MAP,
  UNIREPLKNET_MAP,
  NASNET_MAP,
];

/** The map of a tensorcell family, or undefined when it has no timm weights layout. */
export function timmFamily(family: string | undefined): TimmFamilyMap | undefined {
  return TIMM_FAMILIES.find((map) => map.family === family);
}

/** The family a checkpoint's keys look like, or undefined. */
export function detectTimmFamily(keys: Set<string>): TimmFamilyMap | undefined {
  return TIMM_FAMILIES.find((map) => map.matches(keys));
}
