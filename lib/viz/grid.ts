/** Lays out labelled sections of equally sized tiles into one RGB image. */
import type { RasterImage } from "../display/png.js";
import { drawText, GLYPH_HEIGHT, textWidth } from "./font.js";

/** One labelled block of tiles (all tiles in a section share a size). */
export interface GridSection {
  label: string;
  tiles: RasterImage[];
  /** Tiles per row (default: about the square root of the count). */
  columns?: number;
}

const GAP = 2;
const MARGIN = 4;
const LABEL_SCALE = 2;
const BACKGROUND = 255;
const LABEL_COLOR: [number, number, number] = [20, 20, 20];

function copyTile(target: RasterImage, tile: RasterImage, left: number, top: number): void {
  for (let y = 0; y < tile.height; y++) {
    for (let x = 0; x < tile.width; x++) {
      const source = (y * tile.width + x) * tile.channels;
      const at = ((top + y) * target.width + left + x) * 3;
      if (tile.channels >= 3) {
        target.pixels[at] = tile.pixels[source]!;
        target.pixels[at + 1] = tile.pixels[source + 1]!;
        target.pixels[at + 2] = tile.pixels[source + 2]!;
      } else {
        target.pixels.fill(tile.pixels[source]!, at, at + 3);
      }
    }
  }
}

/** Composes sections top to bottom, each with its label drawn above its tile grid. */
export function composeGrid(sections: GridSection[]): RasterImage {
  const labelHeight = GLYPH_HEIGHT * LABEL_SCALE + GAP;
  const layouts = sections.map((section) => {
    const count = section.tiles.length;
    const columns = Math.max(1, Math.min(count, section.columns ?? Math.ceil(Math.sqrt(count))));
    const rows = Math.ceil(count / columns);
    const tileWidth = section.tiles[0]?.width ?? 0;
    const tileHeight = section.tiles[0]?.height ?? 0;
    const width = Math.max(columns * (tileWidth + GAP) - GAP, textWidth(section.label, LABEL_SCALE));
    const height = labelHeight + (count ? rows * (tileHeight + GAP) - GAP : 0);
    return { section, columns, tileWidth, tileHeight, width, height };
  });
  const width = Math.max(1, ...layouts.map((l) => l.width)) + 2 * MARGIN;
  const height = layouts.reduce((sum, l) => sum + l.height + MARGIN, MARGIN);
  const image: RasterImage = { pixels: new Uint8Array(width * height * 3).fill(BACKGROUND), width, height, channels: 3 };
  let top = MARGIN;
  for (const layout of layouts) {
    drawText(image, MARGIN, top, layout.section.label, LABEL_COLOR, LABEL_SCALE);
    layout.section.tiles.forEach((tile, i) => {
      const left = MARGIN + (i % layout.columns) * (layout.tileWidth + GAP);
      const tileTop = top + labelHeight + Math.floor(i / layout.columns) * (layout.tileHeight + GAP);
      copyTile(image, tile, left, tileTop);
    });
    top += layout.height + MARGIN;
  }
  return image;
}
