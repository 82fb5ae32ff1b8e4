import { describe, expect, it } from "vitest";
import { plan } from "../../../src/core/plan.ts";
import { DEFAULT_PLAN_CONFIG, type Decision } from "../../../src/core/snapshot.ts";
import { cluster, HOUR, job, NOW, pool, reservation, running, snapshot } from "./builders.ts";

// PlanConfig's switches, which `berth simulate --policy` turns (docs/rules.md §3), on one 4-GPU node.
const ONE_NODE = cluster([{ pool: pool("v100", 4, "7.0"), nodes: 1 }]);
const admitted = (ds: Decision[]) => ds.filter((d) => d.kind === "admit").map((d) => d.job);
const signals = (ds: Decision[]) => ds.filter((d) => d.kind === "signal").map((d) => d.job);

describe("the cycle under each PlanConfig switch", () => {
  const low = running("low", "v100-0", [0, 1, 2, 3], { priority: "low" });
  const high = job({ id: "high", gpus: 4, priority: "high" });

  it("preempts strictly lower priority by default, and never with preemption off", () => {
    expect(signals(plan(snapshot([], [low, high], ONE_NODE), NOW).decisions)).toEqual(["low"]);
    const off = plan(snapshot([], [low, high], ONE_NODE), NOW, { ...DEFAULT_PLAN_CONFIG, preemption: false });
    expect(off.decisions).toEqual([]);
  });

  it("orders the queue by priority by default, by submission alone with order `submission`", () => {
    const early = job({ id: "early-low", gpus: 4, priority: "low", submittedAt: NOW - 2 * HOUR });
    const late = job({ id: "late-high", gpus: 4, priority: "high", submittedAt: NOW - HOUR });
    const jobs = [early, late];
    expect(admitted(plan(snapshot([], jobs, ONE_NODE), NOW).decisions)).toEqual(["late-high"]);
    const fifo = plan(snapshot([], jobs, ONE_NODE), NOW, { ...DEFAULT_PLAN_CONFIG, order: "submission" });
    expect(admitted(fifo.decisions)).toEqual(["early-low"]);
  });

  it("orders by priority, then submission, ignoring teams' running GPUs, with order `priority`", () => {
    const two = cluster([{ pool: pool("v100", 4, "7.0"), nodes: 2 }]);
    const busy = running("busy", "v100-0", [0, 1, 2, 3], { team: "vision" });
    const vision = job({ id: "vision-early", gpus: 4, team: "vision", submittedAt: NOW - 2 * HOUR });
    const nlp = job({ id: "nlp-late", gpus: 4, team: "nlp", submittedAt: NOW - HOUR });
    const jobs = [busy, vision, nlp];
    // Fair: nlp runs nothing, so it goes first; priority order: the earlier submission goes first.
    expect(admitted(plan(snapshot([], jobs, two), NOW).decisions)).toEqual(["nlp-late"]);
    const strict = plan(snapshot([], jobs, two), NOW, { ...DEFAULT_PLAN_CONFIG, order: "priority" });
    expect(admitted(strict.decisions)).toEqual(["vision-early"]);
  });

  it("lends a reservation's idle slots by default, and never with lending off", () => {
    const r = reservation({ id: "r", gpusPerNode: 4, placement: [{ node: "v100-0", gpus: [0, 1, 2, 3] }] });
    const opportunistic = job({ id: "o", gpus: 2 });
    const lent = plan(snapshot([r], [opportunistic], ONE_NODE), NOW);
    expect(lent.decisions).toEqual([
      {
        kind: "admit",
        job: "o",
        placement: [{ node: "v100-0", gpus: [0, 1] }],
        reservation: null,
        lentFrom: ["r"],
      },
    ]);
    const closed = plan(snapshot([r], [opportunistic], ONE_NODE), NOW, {
      ...DEFAULT_PLAN_CONFIG,
      lending: false,
    });
    expect(closed.decisions).toEqual([]);
  });
});
