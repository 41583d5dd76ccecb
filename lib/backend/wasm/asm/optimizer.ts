// AssemblyScript source (part of dist/asm/kernels.wasm): optimizer updates on the kernel pool.
// One pass over a variable computes what tfjs's RMSProp (about a dozen tensor ops) or SGD with
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
