import type { LayoutOverrides } from "./layout.js";

/** What the loader needs to know about one timm family beyond the generic layouts of layout.ts. */
export interface TimmFamilyMap extends LayoutOverrides {
  /** tensorcell family name (models.info(name).family). */
  family: string;
  /** Whether a checkpoint's keys are this family's (decides the "looks like a ... checkpoint" error). */
  matches(keys: Set<string>): boolean;
  /**
   * Layer name(s) of the classifier head in tensorcell (timm's module paths;
   * `torchKey` gives the checkpoint's), re-initialised when numClasses differs
   * from the checkpoint's.
   */
  classifier: string[];
  /**
   * The PyTorch shape a key is saved with when timm's module differs from the
   * default layout (ConvNeXt atto..nano keep their MLP as 1x1 convolutions).
   */
  saveShape?(modelName: string, key: string, shape: number[]): number[];
}
