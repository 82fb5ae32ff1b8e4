import { describe, expect, it } from "vitest";
import { simulateWorkload } from "../../../src/simulator/simulate.ts";
import { at, cluster, job, reservation } from "./builders.ts";

const ALL = [0, 1, 2, 3];

describe("the simulator executes jobs as docs/rules.md §2 says", () => {
  it("resumes a job that saves on signal from where it stopped, losing nothing", () => {
    const out = simulateWorkload({
      cluster: cluster(1),
      jobs: [
        job({ id: "a", priority: "low", saveOnSignal: true }),
        job({ id: "b", priority: "high", submitAt: at(1000), duration: 100 }),
      ],
    });
    // a: 0–1060 (signalled at 1000, 60 s grace), b: 1060–1160, a resumes with 2540 s left.
    expect(out.events.filter((e) => e.job === "a").map((e) => [e.type, e.t])).toEqual([
      ["admit", at(0)],
      ["preempt", at(1060)],
      ["admit", at(1160)],
      ["finish", at(3700)],
    ]);
    expect(out.metrics.lostGpuHours).toBe(0);
  });

  it("stops a reservation's job at the window's end, signalled a grace before, and runs the rest opportunistically", () => {
    const out = simulateWorkload({
      cluster: cluster(1),
      reservations: [reservation({})],
      jobs: [job({ id: "own", reservation: "r", submitAt: at(3000), duration: 5400, grace: 300 })],
    });
    expect(out.events.filter((e) => e.job === "own")).toEqual([
      {
        t: at(3600),
        type: "admit",
        job: "own",
        reservation: "r",
        placement: [{ node: "v100-0", gpus: ALL }],
      },
      {
        t: at(7200),
        type: "stop",
        job: "own",
        reservation: "r",
        by: "r",
        reason: "window-end",
        signalledAt: at(6900),
      },
      { t: at(7200), type: "admit", job: "own", placement: [{ node: "v100-0", gpus: ALL }] },
      // 3600 s done, checkpoint at 3600: 1800 s left.
      { t: at(9000), type: "finish", job: "own" },
    ]);
  });

  it("moves a reservation off a lost node and stops the jobs that ran there", () => {
    const out = simulateWorkload({
      cluster: cluster(2),
      reservations: [reservation({ start: at(7200), end: at(10800) })],
      jobs: [job({ id: "a", duration: 7200 })],
      nodeEvents: [{ t: at(1800), node: "v100-1", type: "down" }],
    });
    const notable = out.events.filter((e) => e.type !== "finish");
    expect(notable).toEqual([
      { t: at(0), type: "book", reservation: "r", placement: [{ node: "v100-0", gpus: ALL }] },
      { t: at(0), type: "admit", job: "a", placement: [{ node: "v100-1", gpus: ALL }] },
      { t: at(1800), type: "stop", job: "a", reason: "node-lost", signalledAt: at(1800) },
      // Borrowing r's idle GPUs: nobody waits for them, so nothing reclaims it.
      { t: at(1800), type: "admit", job: "a", lentFrom: ["r"], placement: [{ node: "v100-0", gpus: ALL }] },
    ]);
  });

  it("displaces a reservation on a lost node when no other node is free for its window", () => {
    const out = simulateWorkload({
      cluster: cluster(1),
      reservations: [reservation({ start: at(7200), end: at(10800) })],
      // The run lasts while a job is unfinished: this one outlives the node's loss.
      jobs: [job({ id: "a", duration: 3600 })],
      nodeEvents: [
        { t: at(1800), node: "v100-0", type: "down" },
        { t: at(2400), node: "v100-0", type: "up" },
      ],
    });
    expect(out.events.filter((e) => e.type === "displace")).toEqual([
      { t: at(1800), type: "displace", reservation: "r", reason: "node-lost" },
    ]);
    expect(out.metrics.displaced).toBe(1);
  });

  it("refuses a job larger than its reservation, and one too big for its pool", () => {
    const out = simulateWorkload({
      cluster: cluster(1),
      reservations: [reservation({ gpusPerNode: 2 })],
      jobs: [job({ id: "big", reservation: "r", submitAt: at(3600) }), job({ id: "huge", gpus: 8 })],
    });
    expect(out.events.filter((e) => e.type === "refuse").map((e) => e.job)).toEqual(["huge", "big"]);
    expect(out.metrics.refusedJobs).toBe(2);
  });
});
