// The `berth simulate` input of docs/rules.md §3, validated with zod, then converted to the core's units
// (epoch milliseconds; the contract's durations are seconds). Unknown extra fields are ignored so
// workloads written for a later contract version still load.
import { z } from "zod";
import {
  type BookingRules,
  type BookingSettings,
  bookingRules,
  bookingSettingsProblems,
  DEFAULT_BOOKING_SETTINGS,
} from "../core/booking-rules.ts";
import { PRIORITIES, type Priority } from "../core/types.ts";

const time = z
  .string()
  .refine(
    (s) =>
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/.test(s) &&
      !Number.isNaN(Date.parse(s)),
    {
      message: "expected an ISO 8601 time with a zone, e.g. 2026-12-01T20:00:00Z",
    },
  );
const id = z.string().min(1);
const priority = z.enum(PRIORITIES);
const count = z.number().int().min(1);
const seconds = z.number().min(0);

const workloadSchema = z.object({
  cluster: z.object({
    pools: z
      .array(
        z.object({
          name: id,
          product: z.string(),
          computeCapability: z.string().regex(/^\d+\.\d+$/, "expected major.minor, e.g. 7.0"),
          nodes: count,
          gpusPerNode: count.max(30),
        }),
      )
      .min(1),
  }),
  reservations: z
    .array(
      z.object({
        id,
        team: id,
        pool: id,
        nodes: z.number(),
        gpusPerNode: z.number(),
        start: time,
        end: time,
        priority,
        bookedAt: time,
      }),
    )
    .default([]),
  jobs: z.array(
    z.object({
      id,
      team: id,
      pool: id,
      gpus: count,
      submitAt: time,
      duration: z.number().positive(),
      priority,
      reservation: id.nullable().default(null),
      checkpointEvery: seconds,
      grace: seconds.optional(),
      saveOnSignal: z.boolean().default(false),
      deadline: time.optional(),
    }),
  ),
  nodeEvents: z.array(z.object({ t: time, node: id, type: z.enum(["down", "up"]) })).default([]),
  quotas: z.record(id, z.partialRecord(priority, z.number().min(0))).optional(),
  // The operator's booking settings (the service's BERTH_BOOKING_* and friends); strict, because a
  // misspelt rule silently left at its default would change every result.
  rules: z
    .strictObject({
      gridMinutes: z.number().optional(),
      minMinutes: z.number().optional(),
      maxDays: z.number().optional(),
      horizonDays: z.number().optional(),
      freezeMinutes: z.number().optional(),
      graceSeconds: z.number().optional(),
    })
    .optional(),
});

/** A workload as docs/rules.md §3 writes it (times ISO 8601, durations in seconds), before parsing. */
export interface WorkloadJson {
  cluster: {
    pools: { name: string; product: string; computeCapability: string; nodes: number; gpusPerNode: number }[];
  };
  reservations: {
    id: string;
    team: string;
    pool: string;
    nodes: number;
    gpusPerNode: number;
    start: string;
    end: string;
    priority: string;
    bookedAt: string;
  }[];
  jobs: {
    id: string;
    team: string;
    pool: string;
    gpus: number;
    submitAt: string;
    duration: number;
    priority: string;
    reservation: string | null;
    checkpointEvery: number;
    grace?: number;
    saveOnSignal?: boolean;
    deadline?: string;
  }[];
  nodeEvents?: { t: string; node: string; type: "down" | "up" }[];
  quotas?: Record<string, Record<string, number>>;
  rules?: Partial<BookingSettings>;
}

export interface SimPool {
  readonly name: string;
  readonly product: string;
  readonly computeCapability: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
}

export interface SimReservation {
  readonly id: string;
  readonly team: string;
  readonly pool: string;
  readonly nodes: number;
  readonly gpusPerNode: number;
  readonly start: number;
  readonly end: number;
  readonly priority: Priority;
  readonly bookedAt: number;
}

export interface SimJob {
  readonly id: string;
  readonly team: string;
  readonly pool: string;
  readonly gpus: number;
  readonly submitAt: number;
  readonly durationMs: number;
  readonly priority: Priority;
  readonly reservation: string | null;
  readonly checkpointEveryMs: number;
  readonly graceMs: number;
  readonly saveOnSignal: boolean;
  readonly deadline: number | null;
}

export interface Workload {
  readonly pools: readonly SimPool[];
  readonly reservations: readonly SimReservation[];
  readonly jobs: readonly SimJob[];
  readonly nodeEvents: readonly { t: number; node: string; type: "down" | "up" }[];
  /** null = unlimited for everyone. */
  readonly quotas: Readonly<Record<string, Partial<Record<Priority, number>>>> | null;
  /** Booking rules and the default grace: the service's defaults unless the workload sets them. */
  readonly rules: BookingRules;
}

export class WorkloadError extends Error {}

function issuePath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join("");
}

/** Parse and check a workload; throws WorkloadError with a one-line message naming the field. */
export function parseWorkload(input: unknown): Workload {
  const parsed = workloadSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issuePath(issue.path);
    throw new WorkloadError(`${where || "workload"}: ${issue.message}`);
  }
  const w = parsed.data;
  const settings: BookingSettings = {
    ...DEFAULT_BOOKING_SETTINGS,
    ...Object.fromEntries(Object.entries(w.rules ?? {}).filter(([, v]) => v !== undefined)),
  };
  const bad = bookingSettingsProblems(settings)[0];
  if (bad) throw new WorkloadError(`rules.${bad.setting}: ${bad.message}`);
  const rules = bookingRules(settings);
  const unique = (what: string, ids: string[]) => {
    const seen = new Set<string>();
    for (const x of ids) {
      if (seen.has(x)) throw new WorkloadError(`${what}: duplicate id "${x}"`);
      seen.add(x);
    }
  };
  unique(
    "cluster.pools",
    w.cluster.pools.map((p) => p.name),
  );
  unique(
    "reservations",
    w.reservations.map((r) => r.id),
  );
  unique(
    "jobs",
    w.jobs.map((j) => j.id),
  );
  const pools = new Set(w.cluster.pools.map((p) => p.name));
  const nodes = new Set(
    w.cluster.pools.flatMap((p) => Array.from({ length: p.nodes }, (_, i) => `${p.name}-${i}`)),
  );
  const reservations = new Set(w.reservations.map((r) => r.id));
  w.reservations.forEach((r, i) => {
    if (!pools.has(r.pool)) throw new WorkloadError(`reservations[${i}].pool: unknown pool "${r.pool}"`);
  });
  w.jobs.forEach((j, i) => {
    if (!pools.has(j.pool)) throw new WorkloadError(`jobs[${i}].pool: unknown pool "${j.pool}"`);
    if (j.reservation !== null && !reservations.has(j.reservation)) {
      throw new WorkloadError(`jobs[${i}].reservation: unknown reservation "${j.reservation}"`);
    }
  });
  w.nodeEvents.forEach((e, i) => {
    if (!nodes.has(e.node))
      throw new WorkloadError(`nodeEvents[${i}].node: unknown node "${e.node}" (nodes are <pool>-<i>)`);
  });
  return {
    pools: w.cluster.pools,
    reservations: w.reservations.map((r) => ({
      ...r,
      start: Date.parse(r.start),
      end: Date.parse(r.end),
      bookedAt: Date.parse(r.bookedAt),
    })),
    jobs: w.jobs.map((j) => ({
      id: j.id,
      team: j.team,
      pool: j.pool,
      gpus: j.gpus,
      submitAt: Date.parse(j.submitAt),
      durationMs: Math.round(j.duration * 1000),
      priority: j.priority,
      reservation: j.reservation,
      checkpointEveryMs: Math.round(j.checkpointEvery * 1000),
      graceMs: j.grace === undefined ? rules.defaultGraceMs : Math.round(j.grace * 1000),
      saveOnSignal: j.saveOnSignal,
      deadline: j.deadline === undefined ? null : Date.parse(j.deadline),
    })),
    nodeEvents: w.nodeEvents.map((e) => ({ t: Date.parse(e.t), node: e.node, type: e.type })),
    quotas: w.quotas ?? null,
    rules,
  };
}
