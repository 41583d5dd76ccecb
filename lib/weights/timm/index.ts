/** The timm families tensorcell maps weights for, by tensorcell family name. */
import { CONVIT_MAP } from "./convit.js";
import { CONVNEXT_MAP } from "./convnext.js";
import type { TimmFamilyMap } from "./family.js";
import { INCEPTION_NEXT_MAP } from "./inception_next.js";
import { MIXER_MAP } from "./mixer.js";
import { RESNET_MAP } from "./resnet.js";
import { VIT_MAP } from "./vit.js";

export type { TimmFamilyMap } from "./family.js";

/** Every mapped family; order matters for detection only where signatures could overlap (none do). */
export const TIMM_FAMILIES: TimmFamilyMap[] = [RESNET_MAP, CONVNEXT_MAP, INCEPTION_NEXT_MAP, VIT_MAP, CONVIT_MAP, MIXER_MAP];

/** The map of a tensorcell family, or undefined when it has no timm weights layout. */
export function timmFamily(family: string | undefined): TimmFamilyMap | undefined {
  return TIMM_FAMILIES.find((map) => map.family === family);
}

/** The family a checkpoint's keys look like, or undefined. */
export function detectTimmFamily(keys: Set<string>): TimmFamilyMap | undefined {
  return TIMM_FAMILIES.find((map) => map.matches(keys));
}
