/** ViT / DeiT (timm vision_transformer.py, deit.py): patch_embed.proj, cls_token (+ dist_token), pos_embed, blocks.i.{norm1,attn.qkv,attn.proj,norm2,mlp}, norm, head (+ head_dist). */
import type { TimmFamilyMap } from "./family.js";

/** How ViT / DeiT checkpoints are recognised and which module is their classifier head. */
export const VIT_MAP: TimmFamilyMap = {
  family: "vit",
  matches: (keys) => keys.has("patch_embed.proj.weight") && keys.has("blocks.0.attn.qkv.weight") && !keys.has("blocks.0.attn.gating_param"),
  classifier: ["head", "head_dist"],
};
