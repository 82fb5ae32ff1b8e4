// Seeded randomness so every benchmark run builds the same state (the PRNG is the A/B check's own).
export { seededRandom as seeded } from "../../src/abcheck/seeded-random.ts";

export function pick<T>(rand: () => number, weighted: readonly (readonly [T, number])[]): T {
  const total = weighted.reduce((s, [, w]) => s + w, 0);
  let x = rand() * total;
  for (const [v, w] of weighted) {
    x -= w;
    if (x < 0) return v;
  }
  return weighted[weighted.length - 1]![0];
}
