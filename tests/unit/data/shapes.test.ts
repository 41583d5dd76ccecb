import * as tf from "@tensorflow/tfjs";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { data, SHAPE_CLASSES } from "../../../lib/data/index.js";
import { seed, unseed } from "../../../lib/repro/index.js";

beforeAll(async () => {
  await tf.setBackend("cpu");
});
afterEach(() => unseed());

describe("shapes", () => {
  it("gives the same images and labels for the same seed, and others for another seed", () => {
    const a = data.shapes({ n: 30, size: 16, seed: 1 });
    const b = data.shapes({ n: 30, size: 16, seed: 1 });
    const c = data.shapes({ n: 30, size: 16, seed: 2 });
    expect(a.images.shape).toEqual([30, 16, 16, 1]);
    expect(Array.from(b.images.dataSync())).toEqual(Array.from(a.images.dataSync()));
    expect(Array.from(b.labels.dataSync())).toEqual(Array.from(a.labels.dataSync()));
    expect(Array.from(c.images.dataSync())).not.toEqual(Array.from(a.images.dataSync()));
    for (const set of [a, b, c]) set.dispose();
  });

  it("balances the classes and keeps pixels in 0..1 with a visible shape", () => {
    const set = data.shapes({ n: 50, size: 24, seed: 4, classes: 5, channels: 3 });
    expect(set.classNames).toEqual([...SHAPE_CLASSES]);
    expect(set.images.shape).toEqual([50, 24, 24, 3]);
    const counts = new Array<number>(5).fill(0);
    for (const label of set.labels.dataSync()) counts[label]!++;
    expect(counts).toEqual([10, 10, 10, 10, 10]);
    const pixels = set.images.dataSync();
    expect(Math.min(...pixels)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...pixels)).toBeLessThanOrEqual(1);
    // Every image has some bright pixels (the shape) on a mostly dark background.
    const perImage = tf.tidy(() => Array.from(set.images.greater(0.3).cast("float32").mean([1, 2, 3]).dataSync()));
    for (const share of perImage) {
      expect(share).toBeGreaterThan(0.02);
      expect(share).toBeLessThan(0.6);
    }
    set.dispose();
  });

  it("draws a circle and a square differently: a circle fills about pi/4 of its box", () => {
    const circles = data.shapes({ n: 20, size: 48, seed: 9, classes: ["circle"], noise: 0 });
    const fill = tf.tidy(() => {
      const mask = circles.images.greater(0.5).cast("float32");
      const area = mask.sum([1, 2, 3]);
      // Bounding box of each mask: rows/cols with any pixel set.
      const rows = mask.max([2, 3]).sum(1);
      const cols = mask.max([1, 3]).sum(1);
      return Array.from(area.div(rows.mul(cols)).dataSync());
    });
    for (const ratio of fill) expect(Math.abs(ratio - Math.PI / 4)).toBeLessThan(0.08);
    circles.dispose();
  });

  it("defaults to the run's seed and rejects bad options", () => {
    seed(5);
    const first = data.shapes({ n: 4, size: 8 });
    seed(5);
    const second = data.shapes({ n: 4, size: 8 });
    expect(second.seed).toBe(first.seed);
    expect(Array.from(second.images.dataSync())).toEqual(Array.from(first.images.dataSync()));
    first.dispose();
    second.dispose();
    expect(() => data.shapes({ n: 0, seed: 1 })).toThrow(/n must be a positive integer/);
    expect(() => data.shapes({ n: 2, seed: 1, classes: ["hexagon" as "circle"] })).toThrow(/unknown class "hexagon"/);
  });
});
