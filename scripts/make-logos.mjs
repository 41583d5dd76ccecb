// Draws kernelspec/logo-32x32.png and logo-64x64.png: a 3x3 grid of cells
// (a tensor) in tensor orange on white. Run once; the PNGs are committed.
import { encode } from "fast-png";
import { writeFileSync } from "node:fs";

for (const size of [32, 64]) {
  const data = new Uint8Array(size * size * 4);
  const cell = size / 3;
  const gap = Math.max(1, Math.round(size / 32));
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const i = (y * size + x) * 4;
      const inGap = x % cell < gap || y % cell < gap || x >= size - gap || y >= size - gap;
      const shade = Math.floor(x / cell) + Math.floor(y / cell); // 0..4, a diagonal gradient
      const [r, g, b] = inGap ? [255, 255, 255] : [255 - shade * 8, 111 + shade * 20, 0 + shade * 10];
      data.set([r, g, b, inGap ? 0 : 255], i);
    }
  }
  writeFileSync(`kernelspec/logo-${size}x${size}.png`, encode({ width: size, height: size, data, channels: 4 }));
}
