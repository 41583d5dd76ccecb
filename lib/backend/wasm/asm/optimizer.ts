// AssemblyScript source (part of dist/asm/kernels.wasm): optimizer updates on the kernel pool.
// One pass over a variable computes what tfjs's RMSProp (about a dozen tensor ops), Adam (a dozen) or SGD with
// momentum (four) computes, each in float32 and in the same order, so the results are the same bits.

/**
 * RMSProp without centering, elements [begin, end) (see lib/backend/optimizer-steps.ts):
 * ms' = ms * decay + g² * (1 - decay); mom' = mom * momentum + g * lr / sqrt(ms' + epsilon);
 * w' = w - mom'. The five scalars arrive as their float32 bits.
 */
export function rmsPropStep(
  w: usize, ms: usize, mom: usize, g: usize, outW: usize, outMs: usize, outMom: usize, begin: i32, end: i32,
  lrBits: i32, decayBits: i32, keepBits: i32, momentumBits: i32, epsilonBits: i32,
): void {
  const lr = reinterpret<f32>(lrBits), decay = reinterpret<f32>(decayBits), keep = reinterpret<f32>(keepBits);
  const momentum = reinterpret<f32>(momentumBits), epsilon = reinterpret<f32>(epsilonBits);
  const vLr = f32x4.splat(lr), vDecay = f32x4.splat(decay), vKeep = f32x4.splat(keep);
  const vMomentum = f32x4.splat(momentum), vEpsilon = f32x4.splat(epsilon);
  let i = begin;
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    const grad = v128.load(g + at);
    const square = f32x4.add(f32x4.mul(v128.load(ms + at), vDecay), f32x4.mul(f32x4.mul(grad, grad), vKeep));
    const step = f32x4.div(f32x4.mul(grad, vLr), f32x4.sqrt(f32x4.add(square, vEpsilon)));
    const moment = f32x4.add(f32x4.mul(v128.load(mom + at), vMomentum), step);
    v128.store(outMs + at, square);
    v128.store(outMom + at, moment);
    v128.store(outW + at, f32x4.sub(v128.load(w + at), moment));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    const grad = load<f32>(g + at);
    const square = load<f32>(ms + at) * decay + grad * grad * keep;
    const moment = load<f32>(mom + at) * momentum + (grad * lr) / sqrt<f32>(square + epsilon);
    store<f32>(outMs + at, square);
    store<f32>(outMom + at, moment);
    store<f32>(outW + at, load<f32>(w + at) - moment);
  }
}

/**
 * SGD with momentum, elements [begin, end) (see lib/backend/optimizer-steps.ts):
 * acc' = m * acc + g; w' = c * acc' + w, or with Nesterov (nesterov 1)
 * w' = c * (g + acc' * m) + w, where c = -learning rate. m and c arrive as their float32 bits.
 */
export function momentumStep(
  w: usize, acc: usize, g: usize, outW: usize, outAcc: usize, begin: i32, end: i32, mBits: i32, cBits: i32, nesterov: i32,
): void {
  const m = reinterpret<f32>(mBits), c = reinterpret<f32>(cBits);
  const vM = f32x4.splat(m), vC = f32x4.splat(c);
  let i = begin;
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    const grad = v128.load(g + at);
    const accumulation = f32x4.add(f32x4.mul(vM, v128.load(acc + at)), grad);
    const step = nesterov != 0 ? f32x4.add(grad, f32x4.mul(accumulation, vM)) : accumulation;
    v128.store(outAcc + at, accumulation);
    v128.store(outW + at, f32x4.add(f32x4.mul(vC, step), v128.load(w + at)));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    const grad = load<f32>(g + at);
    const accumulation = m * load<f32>(acc + at) + grad;
    const step = nesterov != 0 ? grad + accumulation * m : accumulation;
    store<f32>(outAcc + at, accumulation);
    store<f32>(outW + at, c * step + load<f32>(w + at));
  }
}

/**
 * Adam, elements [begin, end) (see lib/backend/optimizer-steps.ts):
 * m' = m * beta1 + g * (1 - beta1); v' = v * beta2 + g² * (1 - beta2);
 * w' = (m' / c1) / (sqrt(v' / c2) + epsilon) * (-lr) + w, where c1 = 1 - beta1^t and
 * c2 = 1 - beta2^t are float32 scalars in memory (byte offsets c1At, c2At) and the other
 * scalars arrive as their float32 bits.
 */
export function adamStep(
  w: usize, m: usize, v: usize, g: usize, c1At: usize, c2At: usize, outW: usize, outM: usize, outV: usize, begin: i32, end: i32,
  beta1Bits: i32, keep1Bits: i32, beta2Bits: i32, keep2Bits: i32, epsilonBits: i32, negLrBits: i32,
): void {
  const beta1 = reinterpret<f32>(beta1Bits), keep1 = reinterpret<f32>(keep1Bits);
  const beta2 = reinterpret<f32>(beta2Bits), keep2 = reinterpret<f32>(keep2Bits);
  const epsilon = reinterpret<f32>(epsilonBits), negLr = reinterpret<f32>(negLrBits);
  const c1 = load<f32>(c1At), c2 = load<f32>(c2At);
  const vBeta1 = f32x4.splat(beta1), vKeep1 = f32x4.splat(keep1), vBeta2 = f32x4.splat(beta2), vKeep2 = f32x4.splat(keep2);
  const vEpsilon = f32x4.splat(epsilon), vNegLr = f32x4.splat(negLr), vC1 = f32x4.splat(c1), vC2 = f32x4.splat(c2);
  let i = begin;
  for (; i + 4 <= end; i += 4) {
    const at = <usize>i << 2;
    const grad = v128.load(g + at);
    const first = f32x4.add(f32x4.mul(v128.load(m + at), vBeta1), f32x4.mul(grad, vKeep1));
    const second = f32x4.add(f32x4.mul(v128.load(v + at), vBeta2), f32x4.mul(f32x4.mul(grad, grad), vKeep2));
    const denominator = f32x4.add(f32x4.sqrt(f32x4.div(second, vC2)), vEpsilon);
    v128.store(outM + at, first);
    v128.store(outV + at, second);
    v128.store(outW + at, f32x4.add(f32x4.mul(f32x4.div(f32x4.div(first, vC1), denominator), vNegLr), v128.load(w + at)));
  }
  for (; i < end; i++) {
    const at = <usize>i << 2;
    const grad = load<f32>(g + at);
    const first = load<f32>(m + at) * beta1 + grad * keep1;
    const second = load<f32>(v + at) * beta2 + grad * grad * keep2;
    const denominator = sqrt<f32>(second / c2) + epsilon;
    store<f32>(outM + at, first);
    store<f32>(outV + at, second);
    store<f32>(outW + at, (first / c1 / denominator) * negLr + load<f32>(w + at));
  }
}
