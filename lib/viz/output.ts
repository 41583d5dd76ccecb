/** What viz functions return: an object that displays itself (Deno's Jupyter.display convention). */
import type { MimeBundle } from "../display/host.js";
import { rasterToPng, toBase64, type RasterImage } from "../display/png.js";

/**
 * A visualisation result. Shown automatically as a cell's last value or with
 * display(x); `data` holds the numbers behind it for further use.
 */
export class VizOutput<T = Record<string, unknown>> {
  constructor(
    /** The mime bundle shown in the notebook. */
    readonly bundle: MimeBundle,
    /** The numbers behind the picture (e.g. the CAM, the confusion counts). */
    readonly data: T,
  ) {}

  /** Deno's convention, used by tensorcell's display(): returns the bundle. */
  [Symbol.for("Jupyter.display")](): MimeBundle {
    return this.bundle;
  }

  /** The text/plain form. */
  toString(): string {
    return String(this.bundle["text/plain"] ?? "");
  }
}

/** An image result: PNG bundle plus the raster and its PNG bytes. */
export function imageOutput<T extends Record<string, unknown>>(image: RasterImage, text: string, data: T): VizOutput<T & { png: Uint8Array; image: RasterImage }> {
  const png = rasterToPng(image);
  return new VizOutput({ "image/png": toBase64(png), "text/plain": text }, { ...data, png, image });
}
