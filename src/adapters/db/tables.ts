// Table types for Kysely, one interface per table of migrations/. Generated<> marks columns the
// database fills; mappers to domain objects live in the repositories.
import type { ColumnType, Generated, Insertable, Selectable } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null, string | null>;
type BigId = ColumnType<string, never, never>;

export interface PlacementJson {
  node: string;
  gpus: number[];
}

/** The free window a displaced reservation was offered (same shape, nearest start). */
export interface AlternativeJson {
  pool: string;
  nodes: number;
  gpusPerNode: number;
  start: string;
  end: string;
}

export interface JobSignalJson {
  reason: "priority" | "reclaim" | "window-end" | "node-lost" | "reservation-lost" | "cancelled" | "failed";
  at: number;
  stopAt: number;
  by?: string;
}

export interface TeamsTable {
  name: string;
  namespaces: Generated<string[]>;
  quota: ColumnType<Record<string, number>, string | undefined, string>;
  max_gpus: number | null;
  created_at: Generated<Date>;
}

export interface UsersTable {
  id: string;
  name: string;
  team: string | null;
  role: "admin" | "member";
  created_at: Generated<Date>;
}

export interface ApiTokensTable {
  id: string;
  token_hash: string;
  name: string;
  team: string | null;
  role: "admin" | "member";
  user_id: string | null;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
  expires_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
}

export interface CalendarTokensTable {
  id: string;
  token_hash: string;
  team: string;
  name: string;
  created_by: string;
  created_at: Generated<Date>;
  revoked_at: Timestamp | null;
}

export interface PoolsTable {
  name: string;
  product: string;
  compute_capability: string;
  gpus_per_node: number;
  gpu_memory_mib: number | null;
  cpu_milli_per_gpu: number | null;
  memory_mib_per_gpu: number | null;
}

export interface NodesTable {
  name: string;
  pool: string;
  gpus: number;
  up: Generated<boolean>;
  /** A small integer for the slot rows' exclusion constraint (cheaper to index than the name). */
  key: Generated<number>;
}

export interface RecurrencesTable {
  id: string;
  team: string;
  frequency: "daily" | "weekly";
  until_at: Timestamp;
  created_at: Generated<Date>;
  /** IANA zone whose wall-clock time the series keeps ('UTC' for series from before zones). */
  time_zone: Generated<string>;
}

export type StoredReservationState = "confirmed" | "completed" | "cancelled" | "displaced" | "released";

export interface ReservationsTable {
  id: string;
  team: string;
  pool: string;
  nodes: number;
  gpus_per_node: number;
  start_at: Timestamp;
  end_at: Timestamp;
  priority: string;
  state: StoredReservationState;
  kind: Generated<"booking" | "maintenance">;
  title: Generated<string>;
  placement: Json<PlacementJson[]>;
  booked_at: Timestamp;
  booked_by: string | null;
  recurrence_id: string | null;
  displaced_by: string | null;
  reason: string | null;
  /** Set only when it was displaced: the window offered instead, or null when none was free. */
  alternative: ColumnType<AlternativeJson | null, string | null | undefined, string | null>;
  ended_at: Timestamp | null;
  started_at: ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
  seq: BigId;
}

export interface ReservationSlotsTable {
  reservation_id: string;
  node: string;
  /** The GPU ordinals held on `node`, an int4multirange literal such as `{[0,3),[5,6)}`. */
  gpus: string;
  /** A tstzrange literal such as `[2026-12-01T20:00:00.000Z,2026-12-02T06:00:00.000Z)`. */
  during: string;
  /** The node's `key`, filled from `node` by a trigger on every insert. */
  node_key: Generated<number>;
}

export interface PoolHoldVersionsTable {
  pool: string;
  version: ColumnType<string, string | number, string | number>;
  /** The transaction that bumped `version` last (written by the trigger only). */
  bumped_by: Generated<string | null>;
  /** How many bumps in a row `bumped_by` made. */
  bumps_in_a_row: Generated<number>;
}

export interface JobsTable {
  id: string;
  kind: "train" | "validate" | "external";
  team: string;
  pool: string;
  gpus: number;
  priority: string;
  reservation_id: string | null;
  spec: Json<Record<string, unknown>>;
  state: "queued" | "admitted" | "running" | "succeeded" | "failed" | "cancelled";
  attempts: Generated<number>;
  placement: NullableJson<PlacementJson[]>;
  runs_on: ColumnType<string | null, string | null | undefined, string | null>;
  lent_from: ColumnType<string[], string[] | undefined, string[]>;
  signal: ColumnType<JobSignalJson | null, string | null | undefined, string | null>;
  grace_seconds: Generated<number>;
  submitted_at: Timestamp;
  submitted_by: string | null;
  updated_at: Timestamp;
  finished_at: Timestamp | null;
  seq: BigId;
  /** Why Berth last moved the job (a refused launch, a failed pod); null when nothing to say. */
  reason: ColumnType<string | null, string | null | undefined, string | null>;
  /** A queued job whose launch failed for a cause that may pass waits until then. */
  retry_at: ColumnType<Date | null, Date | null | undefined, Date | null>;
  launch_failures: Generated<number>;
  /** `kubectl`: a user's Job Berth admits (kube_* say which); `api`: submitted over REST. */
  source: ColumnType<"api" | "kubectl", "api" | "kubectl" | undefined, "api" | "kubectl">;
  kube_namespace: ColumnType<string | null, string | null | undefined, string | null>;
  kube_name: ColumnType<string | null, string | null | undefined, string | null>;
  kube_uid: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface JobAttemptsTable {
  job_id: string;
  attempt: number;
  placement: Json<PlacementJson[]>;
  lent_from: Generated<string[]>;
  started_at: Timestamp;
  ended_at: Timestamp | null;
  outcome: "succeeded" | "failed" | "preempted" | "stopped" | "cancelled" | null;
  /** The Job the run's first report came from (Kubernetes); null before it, and on the simulated cluster. */
  run_namespace: Generated<string | null>;
  run_uid: Generated<string | null>;
}

export interface ModelsTable {
  id: string;
  name: string;
  version: string;
  team: string;
  state: Generated<"candidate" | "promoted" | "rejected">;
  inference: NullableJson<Record<string, unknown>>;
  artifacts: ColumnType<Record<string, string>, string | undefined, string>;
  serving_pool: ColumnType<string | null, string | null | undefined, string | null>;
  created_at: Generated<Date>;
  trained_by: ColumnType<string | null, string | null | undefined, string | null>;
  training_pool: ColumnType<string | null, string | null | undefined, string | null>;
}

export type AbCheckState = "queued" | "running" | "passed" | "failed" | "error";

export interface AbChecksTable {
  id: string;
  model_id: string;
  job_id: string | null;
  passed: boolean | null;
  report: NullableJson<Record<string, unknown>>;
  created_at: Generated<Date>;
  state: AbCheckState;
  pool: string | null;
  compute_capability: string | null;
  data: string | null;
  reasons: ColumnType<string[], string | undefined, string>;
  unlocks_fp16: Generated<boolean>;
  fp16_arithmetic: "gpu" | "emulated-on-cpu" | null;
  finished_at: Timestamp | null;
}

export interface UsageTable {
  reservation_id: string;
  gpu_seconds_booked: number;
  gpu_seconds_used: number;
  updated_at: Timestamp;
}

export interface AuditLogTable {
  id: Generated<string>;
  at: Timestamp;
  actor: string;
  action: string;
  team: string | null;
  reservation_id: string | null;
  job_id: string | null;
  reason: string | null;
  lost_gpu_hours: Generated<number>;
  detail: ColumnType<Record<string, unknown>, string | undefined, never>;
}

export interface EventsTable {
  id: Generated<string>;
  at: Timestamp;
  type: string;
  team: string | null;
  data: Json<Record<string, unknown>>;
}

export interface WebhooksTable {
  id: string;
  team: string;
  url: string;
  secret: string;
  events: string[];
  created_at: Generated<Date>;
}

export interface WebhookDeliveriesTable {
  webhook_id: string;
  event_id: string;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  delivered_at: Timestamp | null;
  failed_at: Timestamp | null;
  last_error: string | null;
}

export interface IdempotencyKeysTable {
  token_id: string;
  key: string;
  request_hash: string;
  status: number;
  body: Json<unknown>;
  created_at: Generated<Date>;
}

export interface DecisionsTable {
  id: Generated<string>;
  at: Timestamp;
  kind: string;
  job_id: string | null;
  reservation_id: string | null;
  payload: Json<Record<string, unknown>>;
  state: "intent" | "applied" | "failed";
  applied_at: Timestamp | null;
}

export interface StreamTicketsTable {
  ticket_hash: string;
  token_id: string;
  expires_at: Timestamp;
}

export interface Database {
  teams: TeamsTable;
  users: UsersTable;
  api_tokens: ApiTokensTable;
  calendar_tokens: CalendarTokensTable;
  pools: PoolsTable;
  pool_hold_versions: PoolHoldVersionsTable;
  nodes: NodesTable;
  recurrences: RecurrencesTable;
  reservations: ReservationsTable;
  reservation_slots: ReservationSlotsTable;
  jobs: JobsTable;
  job_attempts: JobAttemptsTable;
  models: ModelsTable;
  ab_checks: AbChecksTable;
  usage: UsageTable;
  audit_log: AuditLogTable;
  events: EventsTable;
  webhooks: WebhooksTable;
  webhook_deliveries: WebhookDeliveriesTable;
  idempotency_keys: IdempotencyKeysTable;
  decisions: DecisionsTable;
  stream_tickets: StreamTicketsTable;
}

export type ReservationRow = Selectable<ReservationsTable>;
export type JobRow = Selectable<JobsTable>;
export type PoolRow = Selectable<PoolsTable>;
export type NodeRow = Selectable<NodesTable>;
export type TeamRow = Selectable<TeamsTable>;
export type TokenRow = Selectable<ApiTokensTable>;
export type NewReservation = Insertable<ReservationsTable>;
