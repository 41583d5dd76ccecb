/** Lays out labelled sections of equally sized tiles into one RGB image. */
import type { RasterImage } from "../display/png.js";
import { drawText, GLYPH_HEIGHT, textWidth } from "./font.js";

/** One labelled block of tiles (tiles of a column should share a width; rows take the tallest tile). */
export interface GridSection {
  label: string;
  tiles: RasterImage[];
  /** Tiles per row (default: about the square root of the count). */
  columns?: number;
  /** A short label under each tile (e.g. its channel index or layer name). */
  tileLabels?: string[];
}

const GAP = 2;
const MARGIN = 4;
const LABEL_SCALE = 2;
const BACKGROUND = 255;
const LABEL_COLOR: [number, number, number] = [20, 20, 20];
const TILE_LABEL_COLOR: [number, number, number] = [70, 70, 70];

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

/** Composes sections top to bottom, each with its label drawn above its tile grid (and tile labels under each tile). */
export function composeGrid(sections: GridSection[]): RasterImage {
  const labelHeight = GLYPH_HEIGHT * LABEL_SCALE + GAP;
  const layouts = sections.map((section) => {
    const count = section.tiles.length;
    const columns = Math.max(1, Math.min(count, section.columns ?? Math.ceil(Math.sqrt(count))));
    const rows = Math.ceil(count / columns);
    // Each column is as wide as its widest tile or tile label (a colour bar may sit beside wider panels).
    const columnWidths = new Array<number>(columns).fill(0);
    section.tiles.forEach((tile, i) => {
      const labelWidth = section.tileLabels?.[i] ? textWidth(section.tileLabels[i]!, LABEL_SCALE) : 0;
      columnWidths[i % columns] = Math.max(columnWidths[i % columns]!, tile.width, labelWidth);
    });
    const columnLefts = columnWidths.map((_, c) => columnWidths.slice(0, c).reduce((sum, w) => sum + w + GAP, 0));
    const tileHeight = Math.max(0, ...section.tiles.map((tile) => tile.height));
    const cellHeight = tileHeight + (section.tileLabels ? GLYPH_HEIGHT * LABEL_SCALE : 0);
    const width = Math.max(columnWidths.reduce((sum, w) => sum + w + GAP, 0) - GAP, textWidth(section.label, LABEL_SCALE));
    const height = labelHeight + (count ? rows * (cellHeight + GAP) - GAP : 0);
    return { section, columns, columnLefts, cellHeight, tileHeight, width, height };
  });
  const width = Math.max(1, ...layouts.map((l) => l.width)) + 2 * MARGIN;
  const height = layouts.reduce((sum, l) => sum + l.height + MARGIN, MARGIN);
  const image: RasterImage = { pixels: new Uint8Array(width * height * 3).fill(BACKGROUND), width, height, channels: 3 };
  let top = MARGIN;
  for (const layout of layouts) {
    drawText(image, MARGIN, top, layout.section.label, LABEL_COLOR, LABEL_SCALE);
    layout.section.tiles.forEach((tile, i) => {
      const left = MARGIN + layout.columnLefts[i % layout.columns]!;
      const tileTop = top + labelHeight + Math.floor(i / layout.columns) * (layout.cellHeight + GAP);
      copyTile(image, tile, left, tileTop);
      const tileLabel = layout.section.tileLabels?.[i];
      if (tileLabel !== undefined) drawText(image, left, tileTop + layout.tileHeight + 1, tileLabel, TILE_LABEL_COLOR, LABEL_SCALE);
    });
    top += layout.height + MARGIN;
  }
  return image;
}

/** Stacks images top to bottom on a white background, left-aligned. */
export function stackVertically(...images: RasterImage[]): RasterImage {
  const width = Math.max(...images.map((image) => image.width));
  const height = images.reduce((sum, image) => sum + image.height, 0);
  const pixels = new Uint8Array(width * height * 3).fill(BACKGROUND);
  let top = 0;
  for (const image of images) {
    for (let y = 0; y < image.height; y++) {
      for (let x = 0; x < image.width; x++) {
        const source = (y * image.width + x) * image.channels;
        const at = ((top + y) * width + x) * 3;
        for (let c = 0; c < 3; c++) pixels[at + c] = image.pixels[source + (image.channels >= 3 ? c : 0)]!;
      }
    }
    top += image.height;
  }
  return { pixels, width, height, channels: 3 };
}
