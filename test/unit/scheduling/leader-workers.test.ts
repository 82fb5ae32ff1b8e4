// The one gate for leader-only work: workers run exactly while this replica leads, start in order
// and stop in reverse, never overlap a start with a stop, and a failed start is retried.
import pino from "pino";
import { describe, expect, it } from "vitest";
import { type Leadership, leaderWorkers } from "../../../src/services/leadership/leadership.ts";
import { waitFor } from "../../cluster/wait.ts";

function switchable(initial: boolean) {
  let leader = initial;
  const listeners: ((l: boolean) => void)[] = [];
  const leadership: Leadership = {
    isLeader: () => leader,
    onChange: (l) => listeners.push(l),
    stop: async () => {},
  };
  return {
    leadership,
    set(value: boolean) {
      leader = value;
      for (const l of listeners) l(value);
    },
  };
}

const logger = pino({ level: "silent" });

function recorder(log: string[], name: string, o: { failStarts?: number; slowMs?: number } = {}) {
  let failures = o.failStarts ?? 0;
  return {
    name,
    async start() {
      log.push(`start ${name}`);
      if (o.slowMs) await new Promise((r) => setTimeout(r, o.slowMs));
      if (failures-- > 0) throw new Error(`${name} cannot start`);
    },
    async stop() {
      log.push(`stop ${name}`);
    },
  };
}

describe("leader-only workers", () => {
  it("run only while leading: started in order, stopped in reverse", async () => {
    const log: string[] = [];
    const l = switchable(false);
    const w = leaderWorkers({ leadership: l.leadership, logger });
    w.add(recorder(log, "watches"));
    w.add(recorder(log, "loop"));
    await w.start();
    expect(log).toEqual([]);
    l.set(true);
    await waitFor("started", () => w.running());
    l.set(false);
    await waitFor("stopped", () => !w.running() && log.length === 4);
    expect(log).toEqual(["start watches", "start loop", "stop loop", "stop watches"]);
    await w.stop();
  });

  it("never overlaps: a leadership lost during a start stops what started after it finished", async () => {
    const log: string[] = [];
    const l = switchable(true);
    const w = leaderWorkers({ leadership: l.leadership, logger });
    w.add(recorder(log, "watches", { slowMs: 50 }));
    w.add(recorder(log, "loop"));
    const started = w.start();
    await waitFor("the first start under way", () => log.length > 0, { intervalMs: 1 });
    l.set(false);
    await started;
    await waitFor("settled", () => log.includes("stop watches"), { timeoutMs: 2_000 });
    expect(log).toEqual(["start watches", "stop watches"]);
    expect(w.running()).toBe(false);
    await w.stop();
  });

  it("retries a worker that failed to start, after stopping those started before it", async () => {
    const log: string[] = [];
    const l = switchable(true);
    const w = leaderWorkers({ leadership: l.leadership, logger, retryMs: 10 });
    w.add(recorder(log, "watches"));
    w.add(recorder(log, "loop", { failStarts: 1 }));
    await w.start();
    await waitFor("running after the retry", () => w.running());
    expect(log).toEqual(["start watches", "start loop", "stop watches", "start watches", "start loop"]);
    await w.stop();
    expect(log.slice(-2)).toEqual(["stop loop", "stop watches"]);
  });
});
