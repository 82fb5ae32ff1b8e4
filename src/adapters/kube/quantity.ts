// Kubernetes resource quantities ("64", "500m", "512Gi", "1G") as the numbers pools book with:
// CPU in millicores, memory in MiB. Only the suffixes node allocatable uses are handled; anything
// else reads as undefined rather than a wrong number.
const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50 };
const DECIMAL: Record<string, number> = { "": 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15 };

function parse(q: string): { value: number; suffix: string } | undefined {
  const m = /^([0-9]+(?:\.[0-9]+)?)([a-zA-Z]*)$/.exec(q.trim());
  return m ? { value: Number(m[1]), suffix: m[2] ?? "" } : undefined;
}

export function cpuMillis(q: string): number | undefined {
  const p = parse(q);
  if (!p) return undefined;
  if (p.suffix === "m") return Math.round(p.value);
  const f = DECIMAL[p.suffix];
  return f === undefined ? undefined : Math.round(p.value * f * 1000);
}

export function memoryMiB(q: string): number | undefined {
  const p = parse(q);
  if (!p) return undefined;
  const f = BINARY[p.suffix] ?? DECIMAL[p.suffix];
  return f === undefined ? undefined : Math.floor((p.value * f) / 2 ** 20);
}
