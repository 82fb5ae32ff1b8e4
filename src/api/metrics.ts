// Prometheus metrics of one app instance (its own registry, so tests can build many apps).
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

export interface Metrics {
  readonly registry: Registry;
  readonly httpSeconds: Histogram<"method" | "route" | "status">;
  readonly bookingSeconds: Histogram<"dry_run">;
  readonly tickSeconds: Histogram<never>;
  /** From an eviction order to the executor reporting the GPUs free. */
  readonly evictionToFreeSeconds: Histogram<never>;
  readonly decisions: Counter<"kind">;
  /** 1 on the replica that runs the loop, 0 on the others. */
  readonly leader: Gauge<never>;
  /** Each numbered step of the scheduling cycle. */
  readonly cycleStepSeconds: Histogram<"step">;
  /** Per pool, from the last cycle's snapshot: GPUs booked, running, lent, reserved but idle. */
  readonly poolGpus: Gauge<"pool" | "kind">;
  /** Jobs waiting in the opportunistic queue, per priority. */
  readonly queuedJobs: Gauge<"priority">;
  /** Each admission review answered, by webhook (mutate, validate) and verdict. */
  readonly admissionReviewSeconds: Histogram<"webhook" | "verdict">;
}

export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const buckets = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];
  return {
    registry,
    httpSeconds: new Histogram({
      name: "berth_http_request_duration_seconds",
      help: "HTTP request latency",
      labelNames: ["method", "route", "status"],
      buckets,
      registers: [registry],
    }),
    bookingSeconds: new Histogram({
      name: "berth_booking_decision_duration_seconds",
      help: "Latency of a booking: snapshot, core decision and commit",
      labelNames: ["dry_run"],
      buckets,
      registers: [registry],
    }),
    tickSeconds: new Histogram({
      name: "berth_tick_duration_seconds",
      help: "Duration of one scheduling tick (snapshot, plan, persist, apply)",
      buckets,
      registers: [registry],
    }),
    evictionToFreeSeconds: new Histogram({
      name: "berth_eviction_to_gpu_free_seconds",
      help: "From a preemption or stop order to the GPUs reported free",
      buckets: [0.1, 0.5, 1, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    decisions: new Counter({
      name: "berth_decisions_total",
      help: "Decisions of the scheduling loop by kind",
      labelNames: ["kind"],
      registers: [registry],
    }),
    leader: new Gauge({
      name: "berth_leader",
      help: "1 when this replica runs the scheduling loop and the webhook deliveries",
      registers: [registry],
    }),
    cycleStepSeconds: new Histogram({
      name: "berth_cycle_step_duration_seconds",
      help: "Duration of each step of the scheduling cycle (1-reapply, 2-snapshot, 3-plan, 4-persist, 5-apply)",
      labelNames: ["step"],
      buckets,
      registers: [registry],
    }),
    poolGpus: new Gauge({
      name: "berth_pool_gpus",
      help: "GPUs per pool by kind: booked (held by active reservations), running, lent, idle_reserved",
      labelNames: ["pool", "kind"],
      registers: [registry],
    }),
    queuedJobs: new Gauge({
      name: "berth_queued_jobs",
      help: "Jobs waiting in the opportunistic queue, per priority",
      labelNames: ["priority"],
      registers: [registry],
    }),
    admissionReviewSeconds: new Histogram({
      name: "berth_admission_review_duration_seconds",
      help: "Admission reviews answered by this replica, by webhook (mutate, validate) and verdict (allowed, refused, error)",
      labelNames: ["webhook", "verdict"],
      buckets,
      registers: [registry],
    }),
  };
}
