/**
 * Synthetic "shapes" images: circles, squares, triangles, crosses and rings of
 * random position, size, rotation and brightness on a noisy background, drawn
 * from a seed. A small classification set that needs no files.
 */
import * as tf from "@tensorflow/tfjs";
import { createRandom, nextSeed, randomNormal, randomPermutation, type RandomSource } from "../repro/index.js";
import { imageDataset, type ImageDataset } from "./image_dataset.js";

/** The shape classes {@link shapes} can draw, in label order when `classes` is a number. */
export const SHAPE_CLASSES = ["circle", "square", "triangle", "cross", "ring"] as const;

/** One of {@link SHAPE_CLASSES}. */
export type ShapeClass = (typeof SHAPE_CLASSES)[number];

/** Options for {@link shapes}. */
export interface ShapesOptions {
  /** Number of images. */
  n: number;
  /** Side length in pixels (default 32). */
  size?: number;
  /** Seed; the same seed gives the same images. Default: drawn from `seed(n)`'s stream, or random if unseeded. */
  seed?: number;
  /** How many classes (the first k of SHAPE_CLASSES, default 3) or which ones, by name. */
  classes?: number | readonly ShapeClass[];
  /** 1 (grey, the default) or 3 (each shape in a random colour). */
  channels?: 1 | 3;
  /** Standard deviation of the background noise, 0..1 (default 0.05). */
  noise?: number;
}

/** The images {@link shapes} returns: an {@link ImageDataset} plus the seed used. */
export interface ShapesDataset extends ImageDataset {
  /** The seed these images were drawn from (pass it back to get them again). */
  seed: number;
}

const SUPERSAMPLES = 3; // per axis: 9 samples per pixel give smooth edges
const TRIANGLE_NORMALS = [90, 210, 330].map((degrees) => [Math.cos((degrees * Math.PI) / 180), Math.sin((degrees * Math.PI) / 180)] as const);

/** Whether local point (u, v) lies inside `shape` of circumradius `r` centred at the origin. */
function inside(shape: ShapeClass, u: number, v: number, r: number): boolean {
  switch (shape) {
    case "circle":
      return u * u + v * v <= r * r;
    case "square":
      return Math.abs(u) <= r * 0.75 && Math.abs(v) <= r * 0.75;
    case "triangle":
      // Equilateral triangle: inside all three edges, each at the inradius r/2 from the centre.
      return TRIANGLE_NORMALS.every(([nx, ny]) => u * nx + v * ny <= r / 2);
    case "cross": {
      const arm = r * 0.28;
      return (Math.abs(u) <= arm && Math.abs(v) <= r) || (Math.abs(v) <= arm && Math.abs(u) <= r);
    }
    case "ring": {
      const d2 = u * u + v * v;
      return d2 <= r * r && d2 >= r * r * 0.36;
    }
  }
}

function resolveClasses(classes: ShapesOptions["classes"]): ShapeClass[] {
  if (classes === undefined) return SHAPE_CLASSES.slice(0, 3);
  if (typeof classes === "number") {
    if (!Number.isInteger(classes) || classes < 2 || classes > SHAPE_CLASSES.length) {
      throw new Error(`shapes: classes must be an integer from 2 to ${SHAPE_CLASSES.length}, got ${classes}`);
    }
    return SHAPE_CLASSES.slice(0, classes);
  }
  for (const name of classes) {
    if (!SHAPE_CLASSES.includes(name)) {
      throw new Error(`shapes: unknown class ${JSON.stringify(name)}; choose from ${SHAPE_CLASSES.join(", ")}`);
    }
  }
  if (classes.length < 1) throw new Error("shapes: classes must name at least one shape");
  return [...classes];
}

/** Draws one shape into `out` (size*size*channels values, HWC), over a noisy background. */
function drawShape(out: Float32Array, offset: number, shape: ShapeClass, size: number, channels: number, noise: number, random: RandomSource): void {
  const radius = 0.22 + random() * 0.16; // in units of the image side
  const cx = radius + random() * (1 - 2 * radius);
  const cy = radius + random() * (1 - 2 * radius);
  const angle = random() * 2 * Math.PI;
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const brightness = 0.6 + random() * 0.4;
  const colour = channels === 1 ? [brightness] : [random(), random(), random()].map((c) => 0.3 + 0.7 * c);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      let covered = 0;
      for (let sy = 0; sy < SUPERSAMPLES; sy++) {
        for (let sx = 0; sx < SUPERSAMPLES; sx++) {
          const px = (x + (sx + 0.5) / SUPERSAMPLES) / size - cx;
          const py = (y + (sy + 0.5) / SUPERSAMPLES) / size - cy;
          if (inside(shape, px * cos + py * sin, -px * sin + py * cos, radius)) covered++;
        }
      }
      const coverage = covered / (SUPERSAMPLES * SUPERSAMPLES);
      for (let c = 0; c < channels; c++) {
        const background = noise * Math.abs(randomNormal(random));
        const value = coverage * colour[c]! + (1 - coverage) * background;
        out[offset + (y * size + x) * channels + c] = Math.min(1, Math.max(0, value));
      }
    }
  }
}

/**
 * Seeded synthetic images of simple shapes with their labels, balanced across
 * classes.
 *
 * @example
 * const train = data.shapes({ n: 600, size: 32, seed: 1 });
 * train.images.shape; // [600, 32, 32, 1]; train.classNames: ["circle", "square", "triangle"]
 */
export function shapes(options: ShapesOptions): ShapesDataset {
  const { n } = options;
  if (!Number.isInteger(n) || n < 1) throw new Error(`shapes: n must be a positive integer, got ${String(n)}`);
  const size = options.size ?? 32;
  if (!Number.isInteger(size) || size < 8) throw new Error(`shapes: size must be an integer of at least 8 pixels, got ${String(size)}`);
  const channels = options.channels ?? 1;
  if (channels !== 1 && channels !== 3) throw new Error(`shapes: channels must be 1 or 3, got ${String(channels)}`);
  const noise = options.noise ?? 0.05;
  if (!(noise >= 0 && noise <= 1)) throw new Error(`shapes: noise must be between 0 and 1, got ${String(noise)}`);
  const classNames = resolveClasses(options.classes);
  const seedValue = options.seed ?? nextSeed();
  const random = createRandom(seedValue);

  // Balanced labels (0, 1, 2, 0, 1, 2 ...) in a seeded order.
  const order = randomPermutation(n, random);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) labels[order[i]!] = i % classNames.length;

  const pixels = new Float32Array(n * size * size * channels);
  for (let i = 0; i < n; i++) {
    drawShape(pixels, i * size * size * channels, classNames[labels[i]!]!, size, channels, noise, random);
  }
  return imageDataset(
    tf.tensor4d(pixels, [n, size, size, channels], "float32"),
    tf.tensor1d(labels, "int32"),
    [...classNames],
    { seed: seedValue },
  );
}
