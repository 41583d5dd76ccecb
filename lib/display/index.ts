/**
 * Display API: display(x) and its typed variants, the bundle chooser the kernel
 * uses for execute_result, PNG helpers, and the host bridge.
 */
export { display, flushDisplays, type DisplayHandle, type DisplayOptions } from "./display.js";
export { mimeBundle, mimeBundleSync, JUPYTER_DISPLAY, type DisplayBundle } from "./bundle.js";
export { pngEncode, tensorToPng, tensorToRaster, imageShape, sniffImageType, toBase64, type RasterImage, type Channels, type TensorImageOptions } from "./png.js";
export { vegaLiteBundle, renderVegaLiteSvg, isVegaLiteSpec, VEGALITE_MIME, type VegaLiteSpec } from "./vegalite.js";
export { summarizeModel, type ModelSummary, type LayerSummary } from "./model-summary.js";
export { type Host, type MimeBundle, type DisplayMessage, type Comm, type CommHandler } from "./host.js";
