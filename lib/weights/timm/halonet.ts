/** HaloNet (timm byoanet.py / byobnet.py): stem.conv1..3.{conv,bn}, stages.i.j.{conv1_1x1,conv2_kxk,self_attn,conv3_1x1,shortcut}, head.fc. */
import type { TimmFamilyMap } from "./family.js";

/** How HaloNet checkpoints map onto tensorcell's halonet models. */
export const HALONET_MAP: TimmFamilyMap = {
  family: "halonet",
  matches: (keys) => keys.has("stem.conv1.conv.weight") && [...keys].some((key) => key.endsWith(".self_attn.pos_embed.height_rel")),
  classifier: ["head.fc"],
};
