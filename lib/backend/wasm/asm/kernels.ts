// AssemblyScript entry of tensorcell's wasm SIMD kernels: scripts/build.mjs compiles it
// to dist/asm/kernels.wasm, which kernel-pool.ts runs on every wasm thread.
export { filterGradient } from "./conv-filter-grad";
export { avgPoolGradient, maxPool, maxPoolGradient } from "./pool-grad";
export { batchNormGradient, channelAffine, channelBinary, columnSums, elementwiseBinary, relu } from "./channel-ops";
export { winogradConv3x3, winogradFilter3x3, winogradFilterGradient, winogradGradientFilter3x3 } from "./winograd";
export { gatherRows, scatterAddRows } from "./gather-scatter";
export { dropoutMask } from "./dropout";
export { matMul } from "./matmul";
export { adamStep, momentumStep, rmsPropStep } from "./optimizer";
export { rotateFilter } from "./rotate-filter";
export { padRows } from "./pad";
