// Request and response schemas of /api/v1. The same zod objects validate requests and generate
// /openapi.json, so the document cannot drift from what the server accepts. Objects are strict:
// unknown fields are a 400, as docs/rules.md §4 asks.
import { extendZodWithOpenApi } from "@asteasolutions/zod-to-openapi";
import { z } from "zod";
import type { BookingRules } from "../core/booking-rules.ts";
import { MAX_GPUS_PER_NODE } from "../core/gpu-mask.ts";
import { PRIORITIES } from "../core/types.ts";
import { EVENT_TYPES } from "../services/notify/webhooks.ts";

extendZodWithOpenApi(z);

const NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;

export const Time = z.iso
  .datetime({ offset: true })
  .openapi({ description: "UTC ISO 8601 time", example: "2026-12-01T20:00:00.000Z" });
export const Priority = z.enum(PRIORITIES).openapi("Priority");
export const TeamName = z
  .string()
  .regex(NAME, "lower-case letters, digits and dashes")
  .openapi({ example: "vision" });
const Count = z.int().min(1).max(100_000);

export const NodeSlots = z.object({ node: z.string(), gpus: z.array(z.int()) }).openapi("NodeSlots");
export const Placement = z.array(NodeSlots).openapi("Placement");

export const ReservationCreate = z
  .strictObject({
    pool: z.string().min(1).max(200),
    nodes: Count,
    // No node has more (src/core/gpu-mask.ts): the schema says what the pool check would refuse.
    gpusPerNode: z.int().min(1).max(MAX_GPUS_PER_NODE),
    start: Time,
    end: Time,
    priority: Priority,
    title: z.string().max(200).optional(),
    team: TeamName.optional(),
    repeat: z
      .strictObject({
        every: z.enum(["day", "week"]),
        until: Time,
        timeZone: z.string().min(1).max(64).optional().openapi({
          description:
            "IANA time zone whose wall-clock time every occurrence keeps across daylight-saving changes (default UTC); an unknown one is a 422",
          example: "Europe/Berlin",
        }),
      })
      .optional()
      .openapi({
        description:
          "Recurring booking: one reservation per day or week, starts before `until`, each at the first one's local time in `timeZone` and of its length",
      }),
  })
  .openapi("ReservationCreate");

export const DryRunQuery = z.strictObject({ dryRun: z.enum(["true", "false"]).optional() });

/** The free window offered to a displaced reservation (present, maybe null, only on displaced ones). */
export const Alternative = z
  .object({ pool: z.string(), nodes: z.int(), gpusPerNode: z.int(), start: Time, end: Time })
  .openapi("Alternative");

export const Reservation = z
  .object({
    id: z.string(),
    team: z.string(),
    pool: z.string(),
    nodes: z.int(),
    gpusPerNode: z.int(),
    start: Time,
    end: Time,
    priority: Priority,
    state: z.enum(["confirmed", "active", "completed", "cancelled", "displaced", "released"]),
    kind: z.enum(["booking", "maintenance"]),
    title: z.string(),
    placement: Placement,
    bookedAt: Time,
    bookedBy: z.string().nullable(),
    displaced: z.array(z.string()).optional(),
    occurrences: z.array(z.string()).optional(),
    displacedBy: z.string().optional(),
    reason: z.string().optional(),
    reasonText: z.string().optional().openapi({
      description: "Why a displaced reservation lost its slots, in words (as the UI and events say)",
    }),
    alternative: Alternative.nullable().optional(),
  })
  .openapi("Reservation");

export const DryRunResult = z
  .object({
    placement: Placement,
    displaces: z.array(z.string()),
    quotaLeft: z.record(z.string(), z.number().nullable()),
  })
  .openapi("DryRunResult");

export const ReservationList = z
  .object({ items: z.array(Reservation), nextCursor: z.string().optional() })
  .openapi("ReservationList");

export const ReservationListQuery = z.strictObject({
  team: z.string().max(63).optional(),
  pool: z.string().max(200).optional(),
  state: z.enum(["confirmed", "active", "completed", "cancelled", "displaced", "released"]).optional(),
  from: Time.optional(),
  to: Time.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(100).optional(),
});

export const ReservationPatch = z.strictObject({ end: Time }).openapi("ReservationPatch");

export const IdParam = z.object({ id: z.string().min(1).max(100) });
export const NameParam = z.object({ name: z.string().min(1).max(200) });

/** The query of /availability: `duration` is a booking's length, so the booking rules bound it. */
export function availabilityQuery(rules: BookingRules) {
  const grid = rules.gridMs / 1000;
  return z.strictObject({
    pool: z.string().min(1).max(200),
    nodes: z.coerce.number().int().min(1).max(100_000).default(1),
    gpusPerNode: z.coerce.number().int().min(1).max(MAX_GPUS_PER_NODE),
    duration: z.coerce
      .number()
      .int()
      .min(Math.ceil(rules.minLengthMs / 1000 / grid) * grid)
      .max(Math.floor(rules.maxLengthMs / 1000 / grid) * grid)
      .multipleOf(grid)
      .openapi({ description: "seconds: a booking's length, a multiple of the booking grid" }),
    after: Time.optional(),
    limit: z.coerce.number().int().min(1).max(50).default(5),
  });
}
export const Availability = z
  .object({ items: z.array(z.object({ start: Time, end: Time, placement: Placement })) })
  .openapi("Availability");

export const OccupancyQuery = z.strictObject({ from: Time, to: Time });

export const Pool = z
  .object({
    name: z.string(),
    product: z.string(),
    computeCapability: z.string(),
    nodes: z.int(),
    gpusPerNode: z.int(),
  })
  .passthrough()
  .openapi("Pool");
export const PoolPut = z
  .strictObject({
    product: z.string().min(1).max(200),
    computeCapability: z.string().regex(/^\d+\.\d+$/, "major.minor"),
    // The scheduling core keeps a node's GPUs in a bit mask (src/core/gpu-mask.ts).
    gpusPerNode: z.int().min(1).max(MAX_GPUS_PER_NODE),
    // Beyond this a pool is better split: one PUT writes every node row in one transaction.
    nodes: z.int().min(0).max(1000),
    gpuMemoryMiB: z.int().min(1).max(16_777_216).optional(),
  })
  .openapi("PoolPut");

export const TeamCreate = z
  .strictObject({ name: TeamName, namespaces: z.array(z.string().max(63)).max(100).optional() })
  .openapi("TeamCreate");
export const Team = z
  .object({
    name: z.string(),
    namespaces: z.array(z.string()),
    quotas: z.record(z.string(), z.number().nullable()),
  })
  .openapi("Team");

/** GPU-hours per week: bounded far above any cluster (100,000 GPUs for a week is 1.7e7), so sums stay finite. */
const GpuHours = z.number().min(0).max(1e9);

export const QuotaPut = z
  .strictObject({
    critical: GpuHours.optional(),
    high: GpuHours.optional(),
    normal: GpuHours.optional(),
    low: GpuHours.optional(),
    "best-effort": GpuHours.optional(),
    maxGpus: z.int().min(0).max(10_000_000).nullable().optional(),
  })
  .openapi("QuotaPut", {
    description: "GPU-hours per UTC ISO week per priority; classes not named return to the default",
  });

export const TokenCreate = z
  .strictObject({
    team: TeamName.optional(),
    role: z.enum(["member", "admin"]),
    name: z.string().min(1).max(100),
    expiresIn: z
      .int()
      .min(60)
      .max(10 * 366 * 86_400)
      .optional()
      .openapi({ description: "lifetime in seconds" }),
    expiresAt: Time.optional(),
  })
  .openapi("TokenCreate", {
    description:
      "Without expiresIn or expiresAt a member token lives BERTH_MEMBER_TOKEN_TTL_SECONDS (0: for ever)",
  });
export const TokenCreated = z
  .object({
    id: z.string(),
    token: z.string(),
    name: z.string(),
    team: z.string().nullable(),
    role: z.string(),
    expiresAt: Time.nullable(),
  })
  .openapi("TokenCreated");

export const JobCreate = z
  .strictObject({
    kind: z.enum(["train", "validate", "external"]),
    pool: z.string().min(1).max(200),
    gpus: z.int().min(1).max(100_000),
    priority: Priority.optional(),
    reservation: z.string().min(1).max(100).optional(),
    team: TeamName.optional(),
    spec: z.record(z.string(), z.unknown()),
  })
  .openapi("JobCreate");
export const Job = z
  .object({
    id: z.string(),
    kind: z.enum(["train", "validate", "external"]),
    state: z.enum(["queued", "admitted", "running", "succeeded", "failed", "cancelled"]),
    team: z.string(),
    pool: z.string(),
    gpus: z.int(),
    priority: Priority,
    attempts: z.int(),
    reservation: z.string().nullable(),
    /** `kubectl`: a Job a user created with kubectl, admitted by Berth (an `external` job). */
    source: z.enum(["api", "kubectl"]),
    /** Where a kubectl user's Job is. */
    kubernetes: z.object({ namespace: z.string(), name: z.string() }).optional(),
    gpuHours: z
      .number()
      .optional()
      .openapi({ description: "GPU-hours held over all runs so far (GET only)" }),
    preemptions: z.int().optional().openapi({ description: "How many runs ended preempted (GET only)" }),
  })
  .passthrough()
  .openapi("Job");
export const JobListQuery = z.strictObject({
  team: z.string().max(63).optional(),
  state: z.enum(["queued", "admitted", "running", "succeeded", "failed", "cancelled"]).optional(),
  reservation: z.string().max(100).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(100).optional(),
});

export const WebhookCreate = z
  .strictObject({
    team: TeamName.optional(),
    url: z.url({ protocol: /^https?$/ }).max(2000),
    events: z.array(z.enum(EVENT_TYPES)).min(1).max(20),
  })
  .openapi("WebhookCreate");

export const EventsQuery = z.strictObject({
  after: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
  ticket: z.string().max(200).optional(),
  team: z.string().max(63).optional(),
});

export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.int(),
    detail: z.string(),
    errors: z.array(z.object({ field: z.string(), message: z.string() })).optional(),
  })
  .passthrough()
  .openapi("Problem");

export const UsageQuery = z.strictObject({
  team: TeamName.optional(),
  pool: z.string().min(1).max(200).optional(),
  from: Time.optional(),
  to: Time.optional(),
});
export const Usage = z
  .object({
    from: Time,
    to: Time,
    items: z.array(
      z.object({
        team: z.string(),
        pool: z.string(),
        bookedGpuHours: z.number(),
        usedGpuHours: z.number(),
        lentGpuHours: z.number(),
      }),
    ),
  })
  .openapi("Usage");

export const AuditQuery = z.strictObject({
  team: TeamName.optional(),
  reservation: z.string().min(1).max(100).optional(),
  job: z.string().min(1).max(100).optional(),
  from: Time.optional(),
  to: Time.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z
    .string()
    .regex(/^\d{1,18}$/)
    .optional(),
});
export const AuditEntry = z
  .object({
    id: z.string(),
    at: Time,
    actor: z.string(),
    action: z.string(),
    team: z.string().nullable(),
    reservation: z.string().nullable(),
    job: z.string().nullable(),
    reason: z.string().nullable(),
    lostGpuHours: z.number(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi("AuditEntry");
export const AuditPage = z
  .object({ items: z.array(AuditEntry), nextCursor: z.string().optional() })
  .openapi("AuditPage");
