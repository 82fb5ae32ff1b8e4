// Whatever takes a reservation's slots away (node loss, a maintenance window, a stronger booking),
// the reservation itself says why and offers the nearest free window of its shape, and its team is
// told on the event stream; a reservation Berth moves to other nodes is announced as replaced.
import { describe, expect, it } from "vitest";
import { markNodesDownExcept, upsertNode } from "../../../src/adapters/db/repos/nodes.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { HOUR, T0, useHarness } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";
import { awaitStreamedEvent } from "../../support/sse.ts";

const iso = (t: number) => new Date(t).toISOString();

describe.each(BACKENDS)("displacement on every path, on %s", (backend) => {
  const env = useHarness(backend, ["vision", "audio"]);
  const book = async (token: string, gpusPerNode: number, start: number, end: number) => {
    const r = await env.h.call("POST", "/api/v1/reservations", {
      token,
      body: { pool: "V100", nodes: 1, gpusPerNode, priority: "high", start: iso(start), end: iso(end) },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    return r.body as { id: string; placement: { node: string; gpus: number[] }[] };
  };
  const allUp = () =>
    Promise.all(
      ["V100-0", "V100-1"].map((n) => upsertNode(env.h.ctx.db, { name: n, pool: "V100", gpus: 4 })),
    );
  const tick = (t: number) => {
    env.h.setNow(t);
    return runTick({ ctx: env.h.ctx, noShowSeconds: 0, executor: recordingExecutor().executor }, t);
  };

  it("a booking on a lost node with nowhere to go is displaced with reason node-lost and an alternative, streamed to its team", async () => {
    const { h, tokens } = env;
    await allUp();
    const mine = await book(tokens.vision, 4, T0 + 3 * HOUR, T0 + 5 * HOUR);
    const theirs = await book(tokens.audio, 4, T0 + 3 * HOUR, T0 + 5 * HOUR);
    const lost = mine.placement[0]!.node;
    expect(theirs.placement[0]!.node).not.toBe(lost);
    await markNodesDownExcept(h.ctx.db, new Set([theirs.placement[0]!.node]));
    await tick(T0 + HOUR);

    const after = (await h.call("GET", `/api/v1/reservations/${mine.id}`, { token: tokens.vision })).body;
    // The other node is free again once audio's booking ends: the same length from then on.
    expect(after).toMatchObject({
      state: "displaced",
      reason: "node-lost",
      alternative: {
        pool: "V100",
        nodes: 1,
        gpusPerNode: 4,
        start: iso(T0 + 5 * HOUR),
        end: iso(T0 + 7 * HOUR),
      },
    });
    const streamed = await awaitStreamedEvent(
      `${h.url}/api/v1/events?after=0`,
      tokens.vision,
      (e) => e.event === "reservation.displaced" && e.data.reservation === mine.id,
    );
    expect(streamed.data).toMatchObject({ reason: "node-lost", alternative: after.alternative });
    await h.call("DELETE", `/api/v1/reservations/${theirs.id}`);
  });

  it("a booking re-placed off a lost node keeps its state and is announced as reservation.replaced", async () => {
    const { h, tokens } = env;
    await allUp();
    const mine = await book(tokens.vision, 2, T0 + 10 * HOUR, T0 + 12 * HOUR);
    const from = mine.placement[0]!.node;
    const other = from === "V100-0" ? "V100-1" : "V100-0";
    await markNodesDownExcept(h.ctx.db, new Set([other]));
    await tick(T0 + 2 * HOUR);

    const after = (await h.call("GET", `/api/v1/reservations/${mine.id}`, { token: tokens.vision })).body;
    expect(after.state).toBe("confirmed");
    expect(after.placement.map((p: { node: string }) => p.node)).toEqual([other]);
    expect(after).not.toHaveProperty("alternative");
    const streamed = await awaitStreamedEvent(
      `${h.url}/api/v1/events?after=0`,
      tokens.vision,
      (e) => e.event === "reservation.replaced" && e.data.reservation === mine.id,
    );
    expect(streamed.data).toMatchObject({
      team: "vision",
      reason: "node-lost",
      from: mine.placement,
      placement: after.placement,
    });
    await h.call("DELETE", `/api/v1/reservations/${mine.id}`);
  });

  it("a maintenance window over a booking displaces it with reason maintenance and an alternative clear of the window", async () => {
    const { h, tokens } = env;
    await allUp();
    h.setNow(T0);
    const start = T0 + 40 * HOUR;
    const mine = await book(tokens.vision, 4, start, start + 2 * HOUR);
    const theirs = await book(tokens.audio, 4, start, start + 2 * HOUR);
    const node = mine.placement[0]!.node;
    const m = await h.call("POST", "/api/v1/maintenance", {
      body: { node, start: iso(start - HOUR), end: iso(start + 4 * HOUR), reason: "firmware" },
    });
    expect(m.status, JSON.stringify(m.body)).toBe(201);

    const after = (await h.call("GET", `/api/v1/reservations/${mine.id}`, { token: tokens.vision })).body;
    // Its node is under maintenance until start+4h, the other node is audio's until start+2h.
    expect(after).toMatchObject({
      state: "displaced",
      reason: "maintenance",
      displacedBy: m.body.id,
      alternative: { start: iso(start + 2 * HOUR), end: iso(start + 4 * HOUR), nodes: 1, gpusPerNode: 4 },
    });
    const streamed = await awaitStreamedEvent(
      `${h.url}/api/v1/events?after=0`,
      tokens.vision,
      (e) => e.event === "reservation.displaced" && e.data.reservation === mine.id,
    );
    expect(streamed.data).toMatchObject({ reason: "maintenance", alternative: after.alternative });
    // The offer is bookable as offered.
    const rebooked = await h.call("POST", "/api/v1/reservations", {
      token: tokens.vision,
      body: { ...after.alternative, priority: "high", title: "moved" },
    });
    expect(rebooked.status, JSON.stringify(rebooked.body)).toBe(201);
    await h.call("DELETE", `/api/v1/reservations/${theirs.id}`);
    await h.call("DELETE", `/api/v1/reservations/${rebooked.body.id}`);
  });

  it("a booking displaced by a stronger one carries its alternative too", async () => {
    const { h, tokens } = env;
    await allUp();
    h.setNow(T0);
    const start = T0 + 60 * HOUR;
    const weak = await h.call("POST", "/api/v1/reservations", {
      token: tokens.vision,
      body: {
        pool: "V100",
        nodes: 2,
        gpusPerNode: 4,
        priority: "low",
        start: iso(start),
        end: iso(start + 2 * HOUR),
      },
    });
    expect(weak.status).toBe(201);
    const strong = await h.call("POST", "/api/v1/reservations", {
      body: {
        team: "audio",
        pool: "V100",
        nodes: 2,
        gpusPerNode: 4,
        priority: "critical",
        start: iso(start),
        end: iso(start + HOUR),
      },
    });
    expect(strong.status, JSON.stringify(strong.body)).toBe(201);
    const after = (await h.call("GET", `/api/v1/reservations/${weak.body.id}`, { token: tokens.vision }))
      .body;
    expect(after).toMatchObject({
      state: "displaced",
      reason: expect.stringContaining("critical over low"),
      alternative: { start: iso(start + HOUR), end: iso(start + 3 * HOUR), nodes: 2, gpusPerNode: 4 },
    });
  });
});
