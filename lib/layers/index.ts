/**
 * tensorcell's custom CNN layers. Importing this module registers every one
 * of them for serialization (model.json names them by class, e.g.
 * "class_name": "LayerScale"), so models that use them save and load.
 */
export { ChannelLayerNorm, type ChannelLayerNormArgs } from "./layer_norm.js";
export { batchNormalization, FusedTrainingBatchNorm, trainingBatchNorm } from "./batch_norm.js";
export { ChannelSlice, type ChannelSliceArgs } from "./channel_slice.js";
export { ConstantScale, type ConstantScaleArgs } from "./constant_scale.js";
export { DilatedDepthwiseConv2D, type DilatedDepthwiseConv2DArgs } from "./dilated_depthwise.js";
export { DropPath, type DropPathArgs } from "./drop_path.js";
export { GlobalResponseNorm, type GlobalResponseNormArgs } from "./grn.js";
export { InstanceNorm, type InstanceNormArgs } from "./instance_norm.js";
export { ScheduledDropPath, type ScheduledDropPathArgs, dropPathSchedule, setDropPathProgress, type DropPathScheduleOptions } from "./scheduled_drop_path.js";
export { LayerScale, type LayerScaleArgs } from "./layer_scale.js";
export { ZeroPadShortcut, type ZeroPadShortcutArgs } from "./shortcut.js";
export { HaloAttention, type HaloAttentionArgs } from "./halo_attention.js";
