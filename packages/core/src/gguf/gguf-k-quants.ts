import { fromFloat16Bits, toFloat16Bits } from '../quantization/float16.ts';

// The k-quants (super-blocks of 256 values) as ggml-quants.c's reference quantizers compute them:
// quantize_row_q4_K_ref, quantize_row_q5_K_ref, quantize_row_q6_K_ref with make_qkx2_quants and
// make_qx_quants. Same search, same packing; float32 rounding is followed where it is cheap, so the
// bytes are those of llama-quantize's reference path up to ties (not checked byte for byte).

export const QK_K = 256;
const f = Math.fround;

/** ggml's nearest_int: round half to even of a float32, by the 1.5·2^23 trick. */
const nearestInt = (x: number) => f(f(x) + 12582912) - 12582912;
const clamp = (v: number, lo: number, hi: number) => Math.max(lo, Math.min(hi, v));

/**
 * make_qkx2_quants: the scale and (negated) min of an asymmetric n-value group on levels 0..nmax,
 * weighted least squares over nstep + 1 trial scales around nmax / (max − min). L gets the levels.
 */
function makeQkx2(x: Float32Array, w: Float32Array, nmax: number, L: Uint8Array, rmin: number, rdelta: number, nstep: number) {
  const n = x.length;
  const Laux = new Uint8Array(n);
  let min = x[0] as number;
  let max = x[0] as number;
  let sumW = w[0] as number;
  let sumX = f(sumW * min);
  for (let i = 1; i < n; i++) {
    const xi = x[i] as number;
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    sumW = f(sumW + (w[i] as number));
    sumX = f(sumX + f((w[i] as number) * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    L.fill(0);
    return { scale: 0, min: -min };
  }
  let iscale = f(nmax / f(max - min));
  let scale = f(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    L[i] = clamp(nearestInt(f(iscale * f((x[i] as number) - min))), 0, nmax);
    const diff = f(f(f(scale * (L[i] as number)) + min) - (x[i] as number));
    bestError = f(bestError + f((w[i] as number) * f(diff * diff)));
  }
  for (let is = 0; is <= nstep; is++) {
    iscale = f(f(f(rmin + f(rdelta * is)) + nmax) / f(max - min));
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = clamp(nearestInt(f(iscale * f((x[i] as number) - min))), 0, nmax);
      Laux[i] = l;
      const wi = w[i] as number;
      sumL = f(sumL + f(wi * l));
      sumL2 = f(sumL2 + f(f(wi * l) * l));
      sumXL = f(sumXL + f(f(wi * l) * (x[i] as number)));
    }
    const D = f(f(sumW * sumL2) - f(sumL * sumL));
    if (D <= 0) continue;
    let thisScale = f(f(f(sumW * sumXL) - f(sumX * sumL)) / D);
    let thisMin = f(f(f(sumL2 * sumX) - f(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = f(sumXL / sumL2);
    }
    let err = 0;
    for (let i = 0; i < n; i++) {
      const diff = f(f(f(thisScale * (Laux[i] as number)) + thisMin) - (x[i] as number));
      err = f(err + f((w[i] as number) * f(diff * diff)));
    }
    if (err < bestError) {
      L.set(Laux);
      bestError = err;
      scale = thisScale;
      min = thisMin;
    }
  }
  return { scale, min: -min };
}

/** The 12 scale bytes of Q4_K/Q5_K: 8 six-bit scales and 8 six-bit mins (get_scale_min_k4's inverse). */
function packScales(ls: Uint8Array, lm: Uint8Array, out: Uint8Array): void {
  out.fill(0);
  for (let j = 0; j < 8; j++) {
    const s = ls[j] as number;
    const m = lm[j] as number;
    if (j < 4) {
      out[j] = s;
      out[j + 4] = m;
    } else {
      out[j + 4] = (s & 0xf) | ((m & 0xf) << 4);
      out[j - 4] = (out[j - 4] as number) | ((s >> 4) << 6);
      out[j] = (out[j] as number) | ((m >> 4) << 6);
    }
  }
}

/** get_scale_min_k4: sub-block j's six-bit scale and min from the 12 scale bytes. */
export function scaleMinK4(j: number, q: Uint8Array): [number, number] {
  if (j < 4) return [(q[j] as number) & 63, (q[j + 4] as number) & 63];
  return [((q[j + 4] as number) & 0xf) | (((q[j - 4] as number) >> 6) << 4), ((q[j + 4] as number) >> 4) | (((q[j] as number) >> 6) << 4)];
}

/**
 * Q4_K (nmax 15) and Q5_K (nmax 31) of one super-block x (256) into `out` (144 or 176 bytes):
 * eight 32-value groups, each with its own scale and min, both six-bit multiples of d and dmin.
 */
function qK(x: Float32Array, out: Uint8Array, nmax: 15 | 31): void {
  const L = new Uint8Array(QK_K);
  const scales = new Float32Array(8);
  const mins = new Float32Array(8);
  const w = new Float32Array(32);
  let maxScale = 0;
  let maxMin = 0;
  for (let j = 0; j < 8; j++) {
    const xs = x.subarray(32 * j, 32 * j + 32);
    let sumX2 = 0;
    for (const v of xs) sumX2 = f(sumX2 + f(v * v));
    const avX = f(Math.sqrt(f(sumX2 / 32)));
    for (let l = 0; l < 32; l++) w[l] = avX + Math.abs(xs[l] as number);
    const Lj = L.subarray(32 * j, 32 * j + 32);
    const r = nmax === 15 ? makeQkx2(xs, w, 15, Lj, -1, 0.1, 20) : makeQkx2(xs, w, 31, Lj, -0.5, 0.1, 15);
    scales[j] = r.scale;
    mins[j] = r.min;
    maxScale = Math.max(maxScale, scales[j] as number);
    maxMin = Math.max(maxMin, mins[j] as number);
  }
  const invScale = maxScale > 0 ? f(63 / maxScale) : 0;
  const invMin = maxMin > 0 ? f(63 / maxMin) : 0;
  const ls = Uint8Array.from(scales, (s) => Math.min(63, nearestInt(f(invScale * s))));
  const lm = Uint8Array.from(mins, (m) => Math.min(63, nearestInt(f(invMin * m))));
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  view.setUint16(0, toFloat16Bits(f(maxScale / 63)), true);
  view.setUint16(2, toFloat16Bits(f(maxMin / 63)), true);
  const sc = out.subarray(4, 16);
  packScales(ls, lm, sc);
  const d = fromFloat16Bits(view.getUint16(0, true));
  const dmin = fromFloat16Bits(view.getUint16(2, true));
  for (let j = 0; j < 8; j++) {
    const [s, m] = scaleMinK4(j, sc);
    const dj = f(d * s);
    if (dj === 0) continue;
    const dm = f(dmin * m);
    for (let i = 0; i < 32; i++) L[32 * j + i] = clamp(nearestInt(f(f((x[32 * j + i] as number) + dm) / dj)), 0, nmax);
  }
  // Each 64 values share 32 bytes: the first 32 in the low nibbles, the next 32 in the high ones;
  // Q5_K's fifth bits go to qh, bit 2k for the first half of chunk k and bit 2k + 1 for the second.
  const qh = nmax === 31 ? out.subarray(16, 48) : null;
  const qs = out.subarray(nmax === 31 ? 48 : 16);
  qh?.fill(0);
  for (let c = 0; c < 4; c++) {
    for (let l = 0; l < 32; l++) {
      let l1 = L[64 * c + l] as number;
      let l2 = L[64 * c + 32 + l] as number;
      if (qh !== null) {
        if (l1 > 15) [l1, qh[l]] = [l1 - 16, (qh[l] as number) | (1 << (2 * c))];
        if (l2 > 15) [l2, qh[l]] = [l2 - 16, (qh[l] as number) | (2 << (2 * c))];
      }
      qs[32 * c + l] = l1 | (l2 << 4);
    }
  }
}

/** make_qx_quants with rmse_type 1: the symmetric scale of a group on levels −nmax..nmax−1, weights x². */
function makeQx(x: Float32Array, nmax: number): number {
  let max = 0;
  let amax = 0;
  for (const v of x) {
    if (Math.abs(v) > amax) [amax, max] = [Math.abs(v), v];
  }
  if (amax < 1e-15) return 0; // GROUP_MAX_EPS
  const sums = (iscale: number) => {
    let sumLX = 0;
    let sumL2 = 0;
    for (const v of x) {
      const l = clamp(nearestInt(f(iscale * v)), -nmax, nmax - 1);
      const w = f(v * v);
      sumLX = f(sumLX + f(f(w * v) * l));
      sumL2 = f(sumL2 + f(f(w * l) * l));
    }
    return [sumLX, sumL2] as const;
  };
  let [sumLX, sumL2] = sums(f(-nmax / max));
  let scale = sumL2 !== 0 ? f(sumLX / sumL2) : 0;
  let best = f(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    [sumLX, sumL2] = sums(f(-f(nmax + f(0.1 * is)) / max));
    if (sumL2 > 0 && f(sumLX * sumLX) > f(best * sumL2)) {
      scale = f(sumLX / sumL2);
      best = f(scale * sumLX);
    }
  }
  return scale;
}

/** Q6_K of one super-block x (256) into `out` (210 bytes): sixteen 16-value groups, int8 scales of one f16 d. */
function q6K(x: Float32Array, out: Uint8Array): void {
  const scales = new Float32Array(16);
  let maxScale = 0;
  let maxAbs = 0;
  for (let ib = 0; ib < 16; ib++) {
    scales[ib] = makeQx(x.subarray(16 * ib, 16 * ib + 16), 32);
    if (Math.abs(scales[ib] as number) > maxAbs) [maxAbs, maxScale] = [Math.abs(scales[ib] as number), scales[ib] as number];
  }
  out.fill(0);
  if (maxAbs < 1e-15) return;
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const iscale = f(-128 / maxScale);
  view.setUint16(208, toFloat16Bits(f(1 / iscale)), true);
  const d = fromFloat16Bits(view.getUint16(208, true));
  const sc = new Int8Array(out.buffer, out.byteOffset + 192, 16);
  const L = new Uint8Array(QK_K);
  for (let ib = 0; ib < 16; ib++) {
    sc[ib] = Math.min(127, nearestInt(f(iscale * (scales[ib] as number))));
    const dj = f(d * (sc[ib] as number));
    if (dj === 0) continue;
    for (let i = 0; i < 16; i++) L[16 * ib + i] = clamp(nearestInt(f((x[16 * ib + i] as number) / dj)), -32, 31) + 32;
  }
  // Each 128 values: ql holds 64 bytes (values l, l+32 low nibbles; l+64, l+96 high), qh 32 bytes of 2-bit pairs.
  for (let c = 0; c < 2; c++) {
    const ql = out.subarray(64 * c, 64 * c + 64);
    const qh = out.subarray(128 + 32 * c, 128 + 32 * c + 32);
    const at = (k: number, l: number) => L[128 * c + 32 * k + l] as number;
    for (let l = 0; l < 32; l++) {
      ql[l] = (at(0, l) & 0xf) | ((at(2, l) & 0xf) << 4);
      ql[l + 32] = (at(1, l) & 0xf) | ((at(3, l) & 0xf) << 4);
      qh[l] = (at(0, l) >> 4) | ((at(1, l) >> 4) << 2) | ((at(2, l) >> 4) << 4) | ((at(3, l) >> 4) << 6);
    }
  }
}

/** Encodes `x` (a whole number of 256-value super-blocks) as Q4_K, Q5_K or Q6_K into `out`. */
export function encodeKQuant(type: 'Q4_K' | 'Q5_K' | 'Q6_K', x: Float32Array, out: Uint8Array, blockBytes: number): void {
  for (let b = 0; b * QK_K < x.length; b++) {
    const xs = x.subarray(b * QK_K, (b + 1) * QK_K);
    const block = out.subarray(b * blockBytes, (b + 1) * blockBytes);
    if (type === 'Q6_K') q6K(xs, block);
    else qK(xs, block, type === 'Q4_K' ? 15 : 31);
  }
}
