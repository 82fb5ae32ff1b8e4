// Small builders of `berth simulate` workload entries for table tests: one V100 pool, 4-GPU jobs of
// one team, a high-priority one-node reservation; each takes the fields a case changes.
export const T0 = Date.parse("2026-12-07T00:00:00.000Z");
export const at = (s: number) => new Date(T0 + s * 1000).toISOString();

export const cluster = (nodes: number, gpusPerNode = 4) => ({
  pools: [{ name: "v100", product: "Tesla-V100", computeCapability: "7.0", nodes, gpusPerNode }],
});

export const job = (over: Record<string, unknown>) => ({
  team: "vision",
  pool: "v100",
  gpus: 4,
  submitAt: at(0),
  duration: 3600,
  priority: "normal",
  reservation: null,
  checkpointEvery: 600,
  grace: 60,
  ...over,
});

export const reservation = (over: Record<string, unknown>) => ({
  id: "r",
  team: "vision",
  pool: "v100",
  nodes: 1,
  gpusPerNode: 4,
  start: at(3600),
  end: at(7200),
  priority: "high",
  bookedAt: at(0),
  ...over,
});
