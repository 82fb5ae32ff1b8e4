// The event log of `berth simulate` (docs/rules.md §3) and its order: by time, then type rank, then id.
// At one instant `book` comes before `replace` and `displace`: an event never precedes the one that
// made it possible (a reservation booked and displaced in one instant reads book, then displace).
import type { Millis, Placement } from "../core/types.ts";

export const EVENT_TYPES = [
  "finish",
  "preempt",
  "stop",
  "book",
  "replace",
  "displace",
  "refuse",
  "admit",
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event as recorded, times in milliseconds. */
export interface SimEventRecord {
  readonly t: Millis;
  readonly type: EventType;
  readonly reservation?: string;
  readonly job?: string;
  readonly by?: string;
  readonly placement?: Placement;
  readonly lentFrom?: readonly string[];
  readonly reason?: string;
  readonly signalledAt?: Millis;
}

/** An event as written: times as ISO 8601 UTC. */
export interface SimEvent {
  t: string;
  type: EventType;
  reservation?: string;
  job?: string;
  by?: string;
  placement?: { node: string; gpus: number[] }[];
  lentFrom?: string[];
  reason?: string;
  signalledAt?: string;
}

const RANK = new Map<EventType, number>(EVENT_TYPES.map((t, i) => [t, i]));

function subject(e: SimEventRecord): string {
  return e.job ?? e.reservation ?? "";
}

/** Contract order; a stable sort keeps the order of decision for anything still tied. */
export function sortEvents(events: readonly SimEventRecord[]): SimEventRecord[] {
  return [...events].sort((a, b) => {
    if (a.t !== b.t) return a.t - b.t;
    const r = RANK.get(a.type)! - RANK.get(b.type)!;
    if (r !== 0) return r;
    const x = subject(a);
    const y = subject(b);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

const iso = (t: Millis) => new Date(t).toISOString();

export function toOutputEvent(e: SimEventRecord): SimEvent {
  const out: SimEvent = { t: iso(e.t), type: e.type };
  if (e.reservation !== undefined) out.reservation = e.reservation;
  if (e.job !== undefined) out.job = e.job;
  if (e.by !== undefined) out.by = e.by;
  if (e.placement !== undefined)
    out.placement = e.placement.map((p) => ({ node: p.node, gpus: [...p.gpus] }));
  if (e.lentFrom !== undefined) out.lentFrom = [...e.lentFrom];
  if (e.reason !== undefined) out.reason = e.reason;
  if (e.signalledAt !== undefined) out.signalledAt = iso(e.signalledAt);
  return out;
}
