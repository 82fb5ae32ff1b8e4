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
  };
}
