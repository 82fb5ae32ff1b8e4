// Pure layout of the timeline: rows (pool headers and node rows) with their heights and offsets,
// bars stacked in lanes so overlapping holds on one node never cover each other, and axis ticks in
// the viewer's local time. Computed once per data change; scrolling only slices these arrays.
import { MINUTE } from "../time.ts";
import type { Hold, NodeOccupancy, Pool } from "../types.ts";

export const LANE_HEIGHT = 28;
export const POOL_ROW_HEIGHT = 30;
const ROW_PADDING = 6;

export interface Bar {
  hold: Hold;
  start: number;
  end: number;
  lane: number;
  /**
   * A reservation over several nodes has a bar on each; only the first (in row order) is the
   * focusable, named control, so a screen reader meets each booking once.
   */
  repeat?: boolean;
}

export type Row =
  | { kind: "pool"; pool: Pool; nodeCount: number; top: number; height: number }
  | { kind: "node"; pool: Pool; node: NodeOccupancy; bars: Bar[]; top: number; height: number };

/** Greedy interval-graph colouring: each hold takes the first lane free at its start. */
export function stackInLanes(holds: Hold[]): { bars: Bar[]; lanes: number } {
  const sorted = holds
    .map((hold) => ({ hold, start: Date.parse(hold.start), end: Date.parse(hold.end) }))
    .sort((a, b) => a.start - b.start || b.end - a.end);
  const laneEnds: number[] = [];
  const bars: Bar[] = [];
  for (const h of sorted) {
    let lane = laneEnds.findIndex((end) => end <= h.start);
    if (lane < 0) {
      lane = laneEnds.length;
      laneEnds.push(h.end);
    } else laneEnds[lane] = h.end;
    bars.push({ ...h, lane });
  }
  return { bars, lanes: Math.max(1, laneEnds.length) };
}

/**
 * A node's holds in lanes, laid out once per answer from the server: rows are rebuilt for every
 * pool whenever one pool's answer arrives or a pool is folded, and only new answers need lanes.
 */
const laidOut = new WeakMap<NodeOccupancy, { bars: Bar[]; lanes: number }>();
function lanesOf(node: NodeOccupancy): { bars: Bar[]; lanes: number } {
  let laid = laidOut.get(node);
  if (!laid) {
    laid = stackInLanes(node.holds);
    laidOut.set(node, laid);
  }
  return laid;
}

export function buildRows(
  pools: Pool[],
  occupancy: ReadonlyMap<string, NodeOccupancy[]>,
  collapsed: ReadonlySet<string>,
): { rows: Row[]; height: number } {
  const rows: Row[] = [];
  const named = new Set<string>();
  let top = 0;
  for (const pool of pools) {
    const nodes = occupancy.get(pool.name) ?? [];
    rows.push({ kind: "pool", pool, nodeCount: nodes.length || pool.nodes, top, height: POOL_ROW_HEIGHT });
    top += POOL_ROW_HEIGHT;
    if (collapsed.has(pool.name)) continue;
    for (const node of nodes) {
      const laid = lanesOf(node);
      const bars = laid.bars.map((b) => {
        if (named.has(b.hold.reservation)) return { ...b, repeat: true };
        named.add(b.hold.reservation);
        return b;
      });
      const lanes = laid.lanes;
      const height = lanes * LANE_HEIGHT + ROW_PADDING;
      rows.push({ kind: "node", pool, node, bars, top, height });
      top += height;
    }
  }
  return { rows, height: top };
}

/**
 * Whether two node rows' bars draw the same: rows are rebuilt (new objects) whenever any pool's
 * answer arrives, and a row whose holds and lanes did not change need not be drawn again.
 */
export function sameBars(a: readonly Bar[], b: readonly Bar[]): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.hold !== y.hold || x.lane !== y.lane || x.repeat !== y.repeat) return false;
  }
  return true;
}

/** Index range of rows intersecting [from, to) (rows are sorted by `top`). */
export function visibleRows(rows: Row[], from: number, to: number): [number, number] {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    const r = rows[mid]!;
    if (r.top + r.height <= from) lo = mid + 1;
    else hi = mid;
  }
  let end = lo;
  while (end < rows.length && rows[end]!.top < to) end++;
  return [lo, end];
}

export interface Tick {
  at: number;
  label?: string;
  major: boolean;
}

/**
 * Hours between labelled ticks: the smallest step leaving `minPx` per label (the widest clock label
 * as the viewer's locale and font draw it, plus a gap; 48 px where nothing was measured).
 */
export function labelStep(pxPerHour: number, minPx = 48): number {
  return [1, 3, 6, 12].find((h) => h * pxPerHour >= minPx) ?? 24;
}

/**
 * Ticks on local wall-clock hours (a DST day has 23 or 25 of them, and zones with half-hour offsets
 * put local hours on half hours of UTC): walk the view in quarter hours and keep those that fall on
 * a local hour divisible by the step. Local midnights are major ticks.
 */
export function axisTicks(
  from: number,
  to: number,
  pxPerHour: number,
  fmt: (ms: number) => string,
  minLabelPx = 48,
): Tick[] {
  const step = labelStep(pxPerHour, minLabelPx);
  const minorStep = step < 24 ? step : 6 * pxPerHour >= 8 ? 6 : 24;
  const ticks: Tick[] = [];
  for (let t = Math.floor(from / (15 * MINUTE)) * 15 * MINUTE; t <= to; t += 15 * MINUTE) {
    const d = new Date(t);
    if (d.getMinutes() !== 0) continue;
    const h = d.getHours();
    if (h % minorStep !== 0) continue;
    const major = h === 0;
    const labelled = h % step === 0;
    ticks.push({ at: t, major, ...(labelled ? { label: fmt(t) } : {}) });
  }
  return ticks;
}

/** GPUs of a node free for all of [start, end), given its holds. */
export function freeGpus(node: NodeOccupancy, start: number, end: number): number {
  const used = new Set<number>();
  for (const h of node.holds) {
    if (Date.parse(h.start) < end && Date.parse(h.end) > start) for (const g of h.gpus) used.add(g);
  }
  return node.gpus - used.size;
}
