// An independent checker of `berth simulate` output: it rebuilds who held which slot and which GPU
// ran which job from the event log and the workload alone, sharing no code with the core, and
// returns every violation it finds (an empty list when the run is sound).
import type { RawWorkload } from "./workload-arbitrary.ts";

interface Ev {
  t: string;
  type: string;
  reservation?: string;
  job?: string;
  by?: string;
  placement?: { node: string; gpus: number[] }[];
  lentFrom?: string[];
  reason?: string;
  signalledAt?: string;
}

const RANKS = ["critical", "high", "normal", "low", "best-effort"];
const strength = (p: string) => RANKS.length - RANKS.indexOf(p);
const FREEZE_MS = 2 * 3600_000;
const ms = (s: string) => Date.parse(s);

interface Segment {
  owner: string;
  node: string;
  gpu: number;
  from: number;
  to: number;
}

function overlapping(segments: Segment[], what: string): string[] {
  const out: string[] = [];
  const bySlot = new Map<string, Segment[]>();
  for (const s of segments) {
    if (s.from >= s.to) continue;
    const k = `${s.node}#${s.gpu}`;
    const list = bySlot.get(k) ?? [];
    list.push(s);
    bySlot.set(k, list);
  }
  for (const [slot, list] of bySlot) {
    list.sort((a, b) => a.from - b.from);
    for (let i = 0; i < list.length; i++) {
      for (let k = i + 1; k < list.length && list[k]!.from < list[i]!.to; k++) {
        if (list[k]!.owner !== list[i]!.owner)
          out.push(`${what}: ${list[i]!.owner} and ${list[k]!.owner} both on ${slot}`);
      }
    }
  }
  return out;
}

export function checkRun(w: RawWorkload, events: Ev[]): string[] {
  const problems: string[] = [];
  const res = new Map(w.reservations.map((r) => [r.id, r]));
  const jobs = new Map(w.jobs.map((j) => [j.id, j]));
  const maxGrace = Math.max(0, ...w.jobs.map((j) => j.grace)) * 1000;

  // Order of the log.
  const rank = ["finish", "preempt", "stop", "book", "replace", "displace", "refuse", "admit"];
  for (let i = 1; i < events.length; i++) {
    const a = events[i - 1]!;
    const b = events[i]!;
    const key = (e: Ev) => [ms(e.t), rank.indexOf(e.type)] as const;
    const [ta, ra] = key(a);
    const [tb, rb] = key(b);
    const ida = a.job ?? a.reservation ?? "";
    const idb = b.job ?? b.reservation ?? "";
    if (ta > tb || (ta === tb && (ra > rb || (ra === rb && ida > idb))))
      problems.push(`order: event ${i} out of order`);
  }

  // Invariant 1: reservation slot holds, cut where a reservation moved or lost its slots.
  const holds = new Map<string, { placement: Ev["placement"]; from: number }>();
  const resSegments: Segment[] = [];
  const closeHold = (id: string, at: number) => {
    const h = holds.get(id);
    const r = res.get(id)!;
    if (!h) return;
    for (const p of h.placement ?? []) {
      for (const g of p.gpus)
        resSegments.push({
          owner: id,
          node: p.node,
          gpu: g,
          from: Math.max(ms(r.start), h.from),
          to: Math.min(ms(r.end), at),
        });
    }
    holds.delete(id);
  };
  // Contract order puts bookings before moves and displacements at one instant, so the log can be
  // replayed as written; a displacement of a reservation not (yet) booked is itself a violation.
  const slotEvents = events.filter((e) => e.type === "book" || e.type === "replace" || e.type === "displace");
  const seenBook = new Set<string>();
  for (const e of slotEvents) {
    const t = ms(e.t);
    if (e.type === "book") {
      seenBook.add(e.reservation!);
      holds.set(e.reservation!, { placement: e.placement, from: Number.NEGATIVE_INFINITY });
    } else if (!seenBook.has(e.reservation!))
      problems.push(`order: ${e.type} of ${e.reservation} before its book`);
    if (e.type === "replace") {
      closeHold(e.reservation!, t);
      holds.set(e.reservation!, { placement: e.placement, from: t });
    }
    if (e.type === "displace") {
      const victim = res.get(e.reservation!)!;
      if (e.by) {
        const by = res.get(e.by)!;
        if (!(strength(by.priority) > strength(victim.priority)))
          problems.push(`displace: ${e.by} (${by.priority}) took ${victim.id} (${victim.priority})`);
        if (!(t < ms(victim.start) - FREEZE_MS))
          problems.push(`displace: ${victim.id} displaced inside its freeze or after its start`);
      } else if (e.reason !== "node-lost")
        problems.push(`displace: ${victim.id} without by or node-lost reason`);
      closeHold(e.reservation!, t);
    }
  }
  for (const id of [...holds.keys()]) closeHold(id, Number.POSITIVE_INFINITY);
  problems.push(...overlapping(resSegments, "invariant 1"));

  // Invariant 2 and the job rules: GPUs used by runs [admit, finish|preempt|stop).
  const open = new Map<string, { at: number; placement: Ev["placement"]; reservation?: string }>();
  const runSegments: Segment[] = [];
  const ranFor = new Map<string, number>();
  const closeRun = (job: string, at: number) => {
    const run = open.get(job);
    if (!run) {
      problems.push(`job ${job}: ends without a run`);
      return;
    }
    for (const p of run.placement ?? [])
      for (const g of p.gpus) runSegments.push({ owner: job, node: p.node, gpu: g, from: run.at, to: at });
    ranFor.set(job, (ranFor.get(job) ?? 0) + (at - run.at));
    open.delete(job);
  };
  for (const e of events) {
    const t = ms(e.t);
    if (e.type === "admit") {
      if (open.has(e.job!)) problems.push(`job ${e.job}: admitted twice`);
      open.set(e.job!, {
        at: t,
        placement: e.placement,
        ...(e.reservation ? { reservation: e.reservation } : {}),
      });
      const j = jobs.get(e.job!)!;
      const gpus = (e.placement ?? []).reduce((s, p) => s + p.gpus.length, 0);
      if (gpus !== j.gpus) problems.push(`job ${e.job}: admitted on ${gpus} GPUs, asked ${j.gpus}`);
      if (e.reservation) {
        const r = res.get(e.reservation)!;
        if (j.reservation !== r.id) problems.push(`job ${e.job}: ran on ${r.id}, not its reservation`);
        if (t < ms(r.start) || t >= ms(r.end))
          problems.push(`job ${e.job}: admitted on ${r.id} outside its window`);
      }
    }
    if (e.type === "preempt") {
      const run = open.get(e.job!);
      if (run?.reservation) problems.push(`preempt: ${e.job} ran on its reservation ${run.reservation}`);
      if (e.reason === "priority") {
        const by = jobs.get(e.by!);
        const victim = jobs.get(e.job!)!;
        if (!by || !(strength(by.priority) > strength(victim.priority)))
          problems.push(`preempt: ${e.job} by ${e.by} not of strictly higher priority`);
      }
      if (e.signalledAt && ms(e.signalledAt) > t)
        problems.push(`preempt: ${e.job} signalled after it stopped`);
    }
    if (e.type === "stop" && e.reason === "window-end" && e.reservation) {
      // Told one grace before the end (or at admission, if it started later than that), stopped at the end.
      const r = res.get(e.reservation)!;
      const j = jobs.get(e.job!)!;
      const run = open.get(e.job!);
      const told = Math.max(run?.at ?? 0, ms(r.end) - j.grace * 1000);
      if (t !== ms(r.end) || ms(e.signalledAt!) !== told) {
        problems.push(
          `stop: ${e.job} on ${r.id} told ${e.signalledAt}, stopped ${e.t}; expected ${new Date(told).toISOString()} and ${r.end}`,
        );
      }
    }
    if (e.type === "preempt" || e.type === "stop") closeRun(e.job!, t);
    if (e.type === "finish") {
      const run = open.get(e.job!);
      closeRun(e.job!, t);
      const j = jobs.get(e.job!)!;
      if ((ranFor.get(e.job!) ?? 0) < j.duration * 1000)
        problems.push(`job ${e.job}: finished after ${ranFor.get(e.job!)} ms of ${j.duration * 1000}`);
      if (run && t - run.at > j.duration * 1000)
        problems.push(`job ${e.job}: last run longer than its duration`);
    }
  }
  for (const job of [...open.keys()]) closeRun(job, Number.POSITIVE_INFINITY);
  problems.push(...overlapping(runSegments, "invariant 2"));

  // Invariant 3: the first job due on a reservation that kept its slots starts at its due time
  // (exactly, when it and the booking came at least a grace period ahead; else within the grace).
  const touched = new Set(
    events.filter((e) => e.type === "replace" || e.type === "displace").map((e) => e.reservation),
  );
  const booked = new Set(events.filter((e) => e.type === "book").map((e) => e.reservation));
  for (const r of w.reservations) {
    if (!booked.has(r.id) || touched.has(r.id)) continue;
    const nodes = new Set(
      events.find((e) => e.type === "book" && e.reservation === r.id)!.placement!.map((p) => p.node),
    );
    if (w.nodeEvents.some((n) => nodes.has(n.node) && ms(n.t) < ms(r.end))) continue;
    const own = w.jobs
      .filter((j) => j.reservation === r.id && ms(j.submitAt) < ms(r.end))
      .filter(
        (j) =>
          j.gpus <= r.gpusPerNode ||
          (r.nodes > 1 && j.gpus % r.gpusPerNode === 0 && j.gpus / r.gpusPerNode <= r.nodes),
      )
      .map((j) => ({ j, due: Math.max(ms(j.submitAt), ms(r.start), ms(r.bookedAt)) }))
      .sort((a, b) => a.due - b.due || ms(a.j.submitAt) - ms(b.j.submitAt) || (a.j.id < b.j.id ? -1 : 1));
    const first = own[0];
    if (!first) continue;
    const ahead = first.due - Math.max(ms(first.j.submitAt), ms(r.bookedAt)) >= maxGrace;
    const admit = events.find((e) => e.type === "admit" && e.job === first.j.id && e.reservation === r.id);
    const limit = first.due + (ahead ? 0 : maxGrace);
    if (!admit) {
      // Only acceptable when its window closed before it could start within the limit.
      if (limit < ms(r.end)) problems.push(`invariant 3: ${first.j.id} never started on ${r.id}`);
    } else if (ms(admit.t) > limit) {
      problems.push(
        `invariant 3: ${first.j.id} due ${new Date(first.due).toISOString()} on ${r.id} started ${admit.t}`,
      );
    }
  }
  return problems;
}
