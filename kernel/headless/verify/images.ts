/**
 * Image comparison for `tensorcell verify`: PNG and JPEG outputs are decoded
 * to RGBA and compared pixel by pixel. A pixel differs when any channel moves
 * by more than `channelTolerance` (0..255); the images match while the share
 * of differing pixels stays at or under `threshold` (0..1).
 */
import { convertIndexedToRgb, decode as decodePng } from "fast-png";
import jpeg from "jpeg-js";

/** Decoded pixels: 8-bit RGBA, row-major. */
export interface RgbaImage {
  width: number;
  height: number;
  rgba: Uint8Array;
}

/** Pixel-difference settings. */
export interface PixelTolerance {
  /** Largest per-channel change (0..255) that still counts as the same pixel. */
  channelTolerance: number;
  /** Largest share of differing pixels (0..1) for the images to match. */
  threshold: number;
}

/** Decodes base64 PNG or JPEG data (as stored in a notebook) to RGBA. */
export function decodeImage(base64: string, mime: string): RgbaImage {
  const bytes = Buffer.from(base64.replace(/\s/g, ""), "base64");
  if (mime === "image/jpeg") {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true });
    return { width: image.width, height: image.height, rgba: image.data };
  }
  const png = decodePng(bytes);
  const pixels = png.palette ? convertIndexedToRgb(png) : png.data;
  const channels = png.palette ? (png.palette[0]?.length ?? 3) : png.channels;
  const shift = !png.palette && png.depth === 16 ? 8 : 0;
  const rgba = new Uint8Array(png.width * png.height * 4);
  for (let p = 0; p < png.width * png.height; p++) {
    const at = (c: number) => Number(pixels[p * channels + c]) >> shift;
    const grey = channels <= 2;
    rgba[p * 4] = at(0);
    rgba[p * 4 + 1] = grey ? at(0) : at(1);
    rgba[p * 4 + 2] = grey ? at(0) : at(2);
    rgba[p * 4 + 3] = channels === 2 ? at(1) : channels === 4 ? at(3) : 255;
  }
  return { width: png.width, height: png.height, rgba };
}

/** The result of comparing two images. */
export interface ImageComparison {
  match: boolean;
  /** Share of differing pixels (1 when the sizes differ). */
  differingShare: number;
  /** Human-readable reason when they do not match. */
  reason?: string;
}

/** Compares two decoded images under the pixel tolerance. */
export function compareImages(expected: RgbaImage, actual: RgbaImage, tolerance: PixelTolerance): ImageComparison {
  if (expected.width !== actual.width || expected.height !== actual.height) {
    return { match: false, differingShare: 1, reason: `size ${expected.width}x${expected.height} became ${actual.width}x${actual.height}` };
  }
  const pixels = expected.width * expected.height;
  let differing = 0;
  for (let p = 0; p < pixels; p++) {
    for (let c = 0; c < 4; c++) {
      if (Math.abs(expected.rgba[p * 4 + c]! - actual.rgba[p * 4 + c]!) > tolerance.channelTolerance) {
        differing++;
        break;
      }
    }
  }
  const share = pixels === 0 ? 0 : differing / pixels;
  const match = share <= tolerance.threshold;
  return {
    match,
    differingShare: share,
    reason: match ? undefined : `${(share * 100).toFixed(2)}% of pixels differ (threshold ${(tolerance.threshold * 100).toFixed(2)}%, channel tolerance ${tolerance.channelTolerance})`,
  };
}
