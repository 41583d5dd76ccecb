/** ConViT (timm convit.py): GPSA blocks (attn.qk, attn.v, attn.pos_proj, attn.gating_param), then MHSA blocks after the class token. */
import type { TimmFamilyMap } from "./family.js";

/** How ConViT checkpoints are recognised and which module is their classifier head. */
export const CONVIT_MAP: TimmFamilyMap = {
  family: "convit",
  matches: (keys) => keys.has("blocks.0.attn.gating_param"),
  classifier: ["head"],
};
