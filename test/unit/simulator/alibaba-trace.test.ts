import { describe, expect, it } from "vitest";
import { alibabaWorkload, TRACE_EPOCH } from "../../../src/simulator/alibaba-trace.ts";
import { simulateWorkload } from "../../../src/simulator/simulate.ts";
import { parseWorkload } from "../../../src/simulator/workload.ts";

// A small excerpt in the trace's own columns, written here (the real files stay in ../shared/traces).
const POD_HEADER =
  "name,cpu_milli,memory_mib,num_gpu,gpu_milli,gpu_spec,qos,pod_phase,creation_time,deletion_time,scheduled_time";
const pod = (
  name: string,
  gpus: number,
  milli: number,
  qos: string,
  phase: string,
  c: number,
  d: number,
  s: string,
) => `${name},8000,16384,${gpus},${milli},,${qos},${phase},${c},${d},${s}`;
const PODS = [
  POD_HEADER,
  pod("openb-pod-0000", 1, 1000, "LS", "Running", 0, 1000, "10"),
  pod("openb-pod-0001", 1, 500, "BE", "Succeeded", 100, 400, "100"),
  pod("openb-pod-0002", 8, 1000, "Guaranteed", "Failed", 200, 4200, "200"),
  pod("openb-pod-0003", 2, 1000, "Burstable", "Running", 300, 900, "350"),
  pod("openb-pod-0004", 0, 0, "LS", "Running", 400, 800, "400"),
  pod("openb-pod-0005", 1, 1000, "BE", "Pending", 500, 5000, ""),
  pod("openb-pod-0006", 1, 1000, "LS", "Running", 600, 9000, "600"),
].join("\n");
const NODES = [
  "sn,cpu_milli,memory_mib,gpu,model",
  "openb-node-0000,64000,262144,2,P100",
  "openb-node-0001,64000,262144,2,P100",
  "openb-node-0002,96000,786432,8,G2",
  "openb-node-0003,96000,786432,8,G2",
].join("\n");

const at = (s: number) => new Date(TRACE_EPOCH + s * 1000).toISOString();

describe("the Alibaba GPU v2023 trace as a berth simulate workload", () => {
  const { workload, stats } = alibabaWorkload(PODS, NODES, { reservedShare: 0 });
  const jobs = new Map(workload.jobs.map((j) => [j.id, j]));

  it("keeps GPU pods that ran and counts what it skipped", () => {
    expect([...jobs.keys()]).toEqual([
      "openb-pod-0000",
      "openb-pod-0001",
      "openb-pod-0002",
      "openb-pod-0003",
    ]);
    expect(stats).toMatchObject({
      pods: 7,
      cpuOnly: 1,
      pending: 1,
      censored: 1,
      sharedGpu: 1,
      failed: 1,
      jobs: 4,
    });
  });

  it("maps qos to priority, duration to deletion − scheduled, and a shared GPU to one whole GPU", () => {
    expect(workload.jobs.map((j) => [j.id, j.priority, j.duration, j.gpus, j.submitAt])).toEqual([
      ["openb-pod-0000", "high", 990, 1, at(0)],
      ["openb-pod-0001", "best-effort", 300, 1, at(100)],
      // Failed: it ran until its deletion.
      ["openb-pod-0002", "normal", 4000, 8, at(200)],
      ["openb-pod-0003", "normal", 550, 2, at(300)],
    ]);
  });

  it("builds pools from the node list's models and sends each pod to one whose nodes can hold it", () => {
    expect(workload.cluster.pools).toEqual([
      { name: "g2-8", product: "G2", computeCapability: "7.0", nodes: 2, gpusPerNode: 8 },
      { name: "p100-2", product: "P100", computeCapability: "6.0", nodes: 2, gpusPerNode: 2 },
    ]);
    expect(jobs.get("openb-pod-0002")!.pool).toBe("g2-8");
    for (const j of workload.jobs) {
      const pool = workload.cluster.pools.find((p) => p.name === j.pool)!;
      expect(j.gpus).toBeLessThanOrEqual(pool.gpusPerNode);
    }
    // Seeded: the same options give the same workload; another seed may move pods and teams.
    expect(alibabaWorkload(PODS, NODES, { reservedShare: 0 }).workload).toEqual(workload);
  });

  it("turns a share of jobs into bookings made 1 h to 7 d ahead; booked LS jobs are critical with a deadline", () => {
    const all = alibabaWorkload(PODS, NODES, { reservedShare: 1 }).workload;
    expect(all.reservations).toHaveLength(4);
    for (const r of all.reservations) {
      const j = all.jobs.find((x) => x.reservation === r.id)!;
      const ahead = Date.parse(r.start) - Date.parse(r.bookedAt);
      expect(ahead).toBeGreaterThanOrEqual(3600_000 - 500);
      expect(ahead).toBeLessThanOrEqual(7 * 86_400_000);
      expect([r.pool, r.team, r.nodes, r.gpusPerNode]).toEqual([j.pool, j.team, 1, j.gpus]);
      expect(j.submitAt).toBe(r.start);
      expect((Date.parse(r.start) - TRACE_EPOCH) % 900_000).toBe(0);
      expect(Date.parse(r.end) - Date.parse(r.start)).toBeGreaterThanOrEqual(j.duration * 1000);
      expect(r.priority).toBe(j.priority);
    }
    const critical = all.jobs.filter((j) => j.priority === "critical");
    expect(critical.map((j) => j.id)).toEqual(["openb-pod-0000"]);
    expect(critical[0]!.deadline).toBe(all.reservations.find((r) => r.id === critical[0]!.reservation)!.end);
    expect(() => parseWorkload(all)).not.toThrow();
  });

  // The excerpt offers at most ~22% of its 20 GPUs (its jobs are few): 15% is within reach.
  it("compresses arrivals to the offered load asked for, and the result replays under every policy", () => {
    const fast = alibabaWorkload(PODS, NODES, { load: 0.15, reservedShare: 0.5 });
    expect(fast.stats.offeredLoad).toBeCloseTo(0.15, 6);
    expect(fast.stats.arrivalSpan).toBeCloseTo(300 / fast.stats.compression, 3);
    const submits = fast.workload.jobs
      .filter((j) => j.reservation === null)
      .map((j) => Date.parse(j.submitAt));
    expect(Math.max(...submits) - TRACE_EPOCH).toBeLessThan(300_000 / fast.stats.compression + 1000);
    for (const policy of ["berth", "fifo", "priority", "reserve-only"])
      expect(simulateWorkload(fast.workload, policy).metrics.refusedJobs).toBe(0);
  });

  it("copies nodes and jobs for a replay at scale", () => {
    const ten = alibabaWorkload(PODS, NODES, { reservedShare: 0, copies: 10 });
    expect(ten.workload.jobs).toHaveLength(40);
    expect(ten.workload.cluster.pools.map((p) => p.nodes)).toEqual([20, 20]);
    expect(new Set(ten.workload.jobs.map((j) => j.id)).size).toBe(40);
  });
});
