// The loop's wakeBy: a change that matters only later (a booking that starts tomorrow) arms the
// timer instead of running a cycle now, and is not forgotten when a running tick re-arms it.
import pino from "pino";
import { afterEach, describe, expect, it, vi } from "vitest";
import { type Loop, startLoop } from "../../../src/services/scheduling/loop.ts";

describe("the scheduling loop's wakeBy", () => {
  let loop: Loop | undefined;
  afterEach(async () => loop?.stop());

  function start(tick: (now: number) => Promise<{ nextWakeAt: number | null }>) {
    loop = startLoop({ tick, now: () => Date.now(), tickSeconds: 3600, logger: pino({ level: "silent" }) });
    return loop;
  }

  /** A loop whose ticks ask for nothing and record when they ran, after its start-up tick. */
  async function recordingTicks() {
    const ticks: number[] = [];
    const l = start(async (now) => {
      ticks.push(now);
      return { nextWakeAt: null };
    });
    await l.idle();
    return { l, ticks };
  }

  it("runs no tick now, and one once the time comes", async () => {
    const { l, ticks } = await recordingTicks();
    expect(ticks).toHaveLength(1); // the start-up tick
    const at = Date.now() + 150;
    l.wakeBy(at);
    await l.idle();
    expect(ticks).toHaveLength(1);
    await vi.waitFor(() => expect(ticks).toHaveLength(2), { timeout: 2000, interval: 10 });
    expect(ticks[1]).toBeGreaterThanOrEqual(at);
  });

  it("ticks at once for a time already due", async () => {
    const { l, ticks } = await recordingTicks();
    l.wakeBy(Date.now() - 1);
    await vi.waitFor(() => expect(ticks).toHaveLength(2), { timeout: 2000, interval: 10 });
  });

  it("keeps a wakeBy that arrives during a tick whose snapshot cannot know of it", async () => {
    const ticks: number[] = [];
    let release!: () => void;
    const l = start(async (now) => {
      ticks.push(now);
      if (ticks.length === 2) await new Promise<void>((r) => (release = r));
      return { nextWakeAt: null };
    });
    await l.idle();
    l.wake();
    await vi.waitFor(() => expect(ticks).toHaveLength(2), { interval: 5 });
    const at = Date.now() + 100;
    l.wakeBy(at); // during the second tick, which then asks for nothing
    release();
    await vi.waitFor(() => expect(ticks).toHaveLength(3), { timeout: 2000, interval: 10 });
    expect(ticks[2]).toBeGreaterThanOrEqual(at);
  });
});
