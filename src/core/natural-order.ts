// Deterministic "natural" order for names such as `v100-2` < `v100-10`, independent of locale
// (Intl collation can differ between ICU builds, which would break determinism).

const CHUNK = /(\d+)|(\D+)/g;

export function compareNatural(a: string, b: string): number {
  if (a === b) return 0;
  const ca = a.match(CHUNK) ?? [];
  const cb = b.match(CHUNK) ?? [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const dx = x.charCodeAt(0) >= 48 && x.charCodeAt(0) <= 57;
    const dy = y.charCodeAt(0) >= 48 && y.charCodeAt(0) <= 57;
    if (dx && dy) {
      const d = Number(x) - Number(y);
      if (d !== 0) return d;
      return x.length - y.length;
    }
    return x < y ? -1 : 1;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return a < b ? -1 : 1;
}

/** Plain code-unit order: ties by id everywhere in the core. */
export function compareId(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A name split into its text and number chunks, for sorting many names without re-splitting. */
export type NaturalKey = readonly (string | number)[];

export function naturalKey(name: string): NaturalKey {
  return (name.match(CHUNK) ?? []).map((c) =>
    c.charCodeAt(0) >= 48 && c.charCodeAt(0) <= 57 ? Number(c) : c,
  );
}

/** Same order as compareNatural on the names the keys came from (ties between "01" and "1" aside). */
export function compareNaturalKeys(a: NaturalKey, b: NaturalKey): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === "number" && typeof y === "number") return x - y;
    if (typeof x === "number") return -1;
    if (typeof y === "number") return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}
