// GPU ordinals of one node as a bit mask: bit i set = ordinal i. Masks keep the per-slot bookkeeping
// allocation-free in the hot loops of placement. A node may have at most 30 GPUs (checked when the
// inventory is indexed); real GPU nodes have 1–16.
export const MAX_GPUS_PER_NODE = 30;

export function fullMask(gpus: number): number {
  return gpus >= 31 ? 0x7fffffff : (1 << gpus) - 1;
}

export function popcount(mask: number): number {
  let m = mask - ((mask >>> 1) & 0x55555555);
  m = (m & 0x33333333) + ((m >>> 2) & 0x33333333);
  return (((m + (m >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

export function maskOf(ordinals: readonly number[]): number {
  let m = 0;
  for (let i = 0; i < ordinals.length; i++) m |= 1 << ordinals[i]!;
  return m;
}

export function ordinalsOf(mask: number): number[] {
  const out: number[] = [];
  for (let i = 0; mask >>> i !== 0 && i < 31; i++) if (mask & (1 << i)) out.push(i);
  return out;
}

/** The `count` lowest set bits of `mask` (deterministic choice of ordinals). */
export function lowestBits(mask: number, count: number): number {
  let out = 0;
  let left = count;
  for (let i = 0; i < 31 && left > 0; i++) {
    if (mask & (1 << i)) {
      out |= 1 << i;
      left--;
    }
  }
  return out;
}

/** The `count` highest set bits of `mask`. */
export function highestBits(mask: number, count: number): number {
  let out = 0;
  let left = count;
  for (let i = 30; i >= 0 && left > 0; i--) {
    if (mask & (1 << i)) {
      out |= 1 << i;
      left--;
    }
  }
  return out;
}
