/**
 * tensorcell's library: what every cell sees as preloaded globals, and what
 * `import { models, viz } from "tensorcell"` gives in cells and in plain Node.
 * Each folder owns one concern and exports through its index.ts.
 */
export * from "./backend/index.js";
export * from "./models/index.js";
export * from "./data/index.js";
export * from "./display/index.js";
export * from "./viz/index.js";
export * from "./repro/index.js";
export * from "./optimizers/index.js";
export * from "./widgets/index.js";
// The runner's side of the bridge: the kernel installs its host with setHost
// (kernel/bridge.ts). Not a cell global; exported for runners embedding the library.
export { setHost, host, type Host } from "./display/host.js";
// Pretrained weights: where they come from (hub, cache, local files).
export { locateWeights, WeightsError, type LocateWeightsOptions } from "./weights/hub.js";
