/**
 * A tiny 3x5 bitmap font for labels drawn into PNGs (feature-map grids, CAMs), so the
 * labels travel with the image into every frontend, nbconvert and graders included.
 * Upper and lower case (layer names are case-sensitive), digits and common symbols;
 * g, j, p, q, y descend one row below the line. Unknown characters are drawn as "?".
 */
import type { RasterImage } from "../display/png.js";

// Each glyph: 5 rows of 3 pixels separated by spaces, "#" on; a sixth row is a descender.
const GLYPHS: Record<string, string> = {
  A: ".#. #.# ### #.# #.#", B: "##. #.# ##. #.# ##.", C: ".## #.. #.. #.. .##", D: "##. #.# #.# #.# ##.",
  E: "### #.. ##. #.. ###", F: "### #.. ##. #.. #..", G: ".## #.. #.# #.# .##", H: "#.# #.# ### #.# #.#",
  I: "### .#. .#. .#. ###", J: "..# ..# ..# #.# .#.", K: "#.# #.# ##. #.# #.#", L: "#.. #.. #.. #.. ###",
  M: "#.# ### ### #.# #.#", N: "##. #.# #.# #.# #.#", O: ".#. #.# #.# #.# .#.", P: "##. #.# ##. #.. #..",
  Q: ".#. #.# #.# ##. .##", R: "##. #.# ##. #.# #.#", S: ".## #.. .#. ..# ##.", T: "### .#. .#. .#. .#.",
  U: "#.# #.# #.# #.# ###", V: "#.# #.# #.# #.# .#.", W: "#.# #.# ### ### #.#", X: "#.# #.# .#. #.# #.#",
  Y: "#.# #.# .#. .#. .#.", Z: "### ..# .#. #.. ###",
  "0": "### #.# #.# #.# ###", "1": ".#. ##. .#. .#. ###", "2": "##. ..# .#. #.. ###", "3": "##. ..# .#. ..# ##.",
  "4": "#.# #.# ### ..# ..#", "5": "### #.. ##. ..# ##.", "6": ".## #.. ### #.# ###", "7": "### ..# .#. .#. .#.",
  "8": "### #.# ### #.# ###", "9": "### #.# ### ..# ##.",
  _: "... ... ... ... ###", "-": "... ... ### ... ...", ".": "... ... ... ... .#.", ":": "... .#. ... .#. ...",
  "/": "..# ..# .#. #.. #..", "(": ".#. #.. #.. #.. .#.", ")": ".#. ..# ..# ..# .#.", ",": "... ... ... .#. #..",
  "?": "##. ..# .#. ... .#.", "[": "##. #.. #.. #.. ##.", "]": ".## ..# ..# ..# .##", " ": "... ... ... ... ...",
  "=": "... ### ... ### ...", "+": "... .#. ### .#. ...", "%": "#.. ..# .#. #.. ..#", "'": ".#. .#. ... ... ...",
  "<": "..# .#. #.. .#. ..#", ">": "#.. .#. ..# .#. #..", "|": ".#. .#. .#. .#. .#.", "*": "... #.# .#. #.# ...",
  "#": "#.# ### #.# ### #.#", "\\": "#.. #.. .#. ..# ..#", '"': "#.# #.# ... ... ...", "!": ".#. .#. .#. ... .#.",
  a: "... .## #.# #.# .##", b: "#.. ##. #.# #.# ##.", c: "... .## #.. #.. .##", d: "..# .## #.# #.# .##",
  e: "... .#. ### #.. .##", f: "..# .#. ### .#. .#.", g: "... .## #.# .## ..# ##.", h: "#.. ##. #.# #.# #.#",
  i: ".#. ... ##. .#. ###", j: "..# ... ..# ..# #.# .#.", k: "#.. #.# ##. ##. #.#", l: "##. .#. .#. .#. .##",
  m: "... ##. ### #.# #.#", n: "... ##. #.# #.# #.#", o: "... .#. #.# #.# .#.", p: "... ##. #.# #.# ##. #..",
  q: "... .## #.# #.# .## ..#", r: "... #.# ##. #.. #..", s: "... .## ##. ..# ##.", t: ".#. ### .#. .#. ..#",
  u: "... #.# #.# #.# .##", v: "... #.# #.# #.# .#.", w: "... #.# #.# ### ###", x: "... #.# .#. .#. #.#",
  y: "... #.# #.# .## ..# ##.", z: "... ### ..# #.. ###",
};

/** Pixels per glyph cell (3 wide + 1 space, 5 high + descender + 1 space) before scaling. */
export const GLYPH_WIDTH = 4;
export const GLYPH_HEIGHT = 7;

function glyph(char: string): string {
  return (GLYPHS[char] ?? GLYPHS["?"]!).replace(/ /g, "");
}

/** Width in pixels of `text` drawn at `scale`. */
export function textWidth(text: string, scale: number): number {
  return text.length * GLYPH_WIDTH * scale;
}

/** Draws `text` into an RGB(A) image with its top-left corner at (x, y). Clips at the edges. */
export function drawText(image: RasterImage, x: number, y: number, text: string, color: [number, number, number], scale = 2): void {
  const { pixels, width, height, channels } = image;
  [...text].forEach((char, i) => {
    const cells = glyph(char);
    for (let row = 0; row < cells.length / 3; row++) {
      for (let col = 0; col < 3; col++) {
        if (cells[row * 3 + col] !== "#") continue;
        for (let dy = 0; dy < scale; dy++) {
          for (let dx = 0; dx < scale; dx++) {
            const px = x + (i * GLYPH_WIDTH + col) * scale + dx;
            const py = y + row * scale + dy;
            if (px < 0 || py < 0 || px >= width || py >= height) continue;
            const at = (py * width + px) * channels;
            pixels[at] = color[0];
            if (channels >= 3) { pixels[at + 1] = color[1]; pixels[at + 2] = color[2]; }
          }
        }
      }
    }
  });
}
