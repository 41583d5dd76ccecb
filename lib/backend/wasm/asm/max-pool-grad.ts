// AssemblyScript source (compiled by scripts/build.mjs into dist/asm/kernels.wasm;
// excluded from the TypeScript project). One worker's share of a MaxPool input gradient:
// dx[n] for images n in [nBegin, nEnd) is zeroed, then every pooling window adds its dy
// to the position of its first strictly largest x (scan order: row by row, column by
// column; NaN never wins; a window of only NaN / -Infinity gets no gradient). Windows
// are visited in the order of the JavaScript kernel (pool-kernels.ts), so overlapping
// windows sum in the same order and the results are identical. float32, NHWC, byte offsets.
// Images are independent, so shares of images never write the same dx.

export function maxPoolGradient(
  x: usize, dy: usize, dx: usize,
  nBegin: i32, nEnd: i32,
  h: i32, w: i32, c: i32,
  oh: i32, ow: i32,
  kh: i32, kw: i32,
  sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
): void {
  const pixelBytes = <usize>c << 2;
  const imageBytes = <usize>(h * w) * pixelBytes;
  if (nEnd <= nBegin) return;
  memory.fill(dx + <usize>nBegin * imageBytes, 0, <usize>(nEnd - nBegin) * imageBytes);
  const lanes = c & ~3;
  const minusInfinity = f32x4.splat(-Infinity);
  for (let n = nBegin; n < nEnd; n++) {
    const xImage = x + <usize>n * imageBytes;
    const dxImage = dx + <usize>n * imageBytes;
    for (let oy = 0; oy < oh; oy++) {
      // The window's in-bounds rows [r0, r1) and columns, in steps of the dilation.
      const rowCorner = oy * sh - pt;
      let r0 = rowCorner;
      while (r0 < 0) r0 += dh;
      const r1 = min(rowCorner + kh, h);
      for (let ox = 0; ox < ow; ox++) {
        const colCorner = ox * sw - pl;
        let c0 = colCorner;
        while (c0 < 0) c0 += dw;
        const c1 = min(colCorner + kw, w);
        const dyPixel = dy + <usize>((n * oh + oy) * ow + ox) * pixelBytes;
        for (let d = 0; d < lanes; d += 4) {
          const lane = <usize>d << 2;
          let best = minusInfinity;
          for (let r = r0; r < r1; r += dh) {
            for (let col = c0; col < c1; col += dw) {
              const v = v128.load(xImage + <usize>(r * w + col) * pixelBytes + lane);
              best = v128.bitselect(v, best, f32x4.gt(v, best));
            }
          }
          // Only a value above -Infinity ever wins; then the first position equal to it.
          const gradient = v128.and(v128.load(dyPixel + lane), f32x4.gt(best, minusInfinity));
          let taken = i32x4.splat(0);
          for (let r = r0; r < r1; r += dh) {
            for (let col = c0; col < c1; col += dw) {
              const offset = <usize>(r * w + col) * pixelBytes + lane;
              const first = v128.andnot(f32x4.eq(v128.load(xImage + offset), best), taken);
              taken = v128.or(taken, first);
              const at = dxImage + offset;
              v128.store(at, f32x4.add(v128.load(at), v128.and(gradient, first)));
            }
          }
        }
        for (let d = lanes; d < c; d++) {
          const lane = <usize>d << 2;
          let best: f32 = -Infinity;
          let at: usize = 0;
          let found = false;
          for (let r = r0; r < r1; r += dh) {
            for (let col = c0; col < c1; col += dw) {
              const offset = <usize>(r * w + col) * pixelBytes + lane;
              const v = load<f32>(xImage + offset);
              if (v > best) {
                best = v;
                at = dxImage + offset;
                found = true;
              }
            }
          }
          if (found) store<f32>(at, load<f32>(at) + load<f32>(dyPixel + lane));
        }
      }
    }
  }
}
