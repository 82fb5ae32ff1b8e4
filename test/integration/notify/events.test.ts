import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDemoExecutor } from "../../../src/adapters/demo/demo-executor.ts";
import { webhookSender } from "../../../src/adapters/http/webhook-sender.ts";
import { WebhookTargetPolicy } from "../../../src/adapters/http/webhook-target.ts";
import { WebhookDispatcher } from "../../../src/services/notify/webhook-dispatcher.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { ADMIN_TOKEN, type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";

const iso = (t: number) => new Date(t).toISOString();

interface SseEvent {
  id: string;
  event: string;
  data: Record<string, unknown>;
}

/** Reads an SSE stream with fetch (as the UI does) until `count` events arrived. */
async function readEvents(url: string, headers: Record<string, string>, count: number, started: () => void) {
  const ac = new AbortController();
  const res = await fetch(url, { headers, signal: ac.signal });
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toMatch(/text\/event-stream/);
  started();
  const events: SseEvent[] = [];
  const decoder = new TextDecoder();
  let buf = "";
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let i = buf.indexOf("\n\n");
    while (i >= 0) {
      const block = buf.slice(0, i);
      buf = buf.slice(i + 2);
      const fields = Object.fromEntries(
        block
          .split("\n")
          .filter((l) => !l.startsWith(":") && l.includes(": "))
          .map((l) => [l.slice(0, l.indexOf(": ")), l.slice(l.indexOf(": ") + 2)]),
      );
      if (fields.event) events.push({ id: fields.id!, event: fields.event, data: JSON.parse(fields.data!) });
      i = buf.indexOf("\n\n");
    }
    if (events.length >= count) break;
  }
  ac.abort();
  return events;
}

describe.each(BACKENDS)("events on %s", (backend) => {
  let h: Harness;
  let vision: string;
  beforeAll(async () => {
    h = await startHarness(backend, { security: { webhookAllow: ["127.0.0.0/8"] } });
    vision = await h.team("vision");
  });
  afterAll(async () => h.close());

  it("streams state changes over SSE in the order they were committed", async () => {
    let ready!: () => void;
    const streaming = new Promise<void>((r) => (ready = r));
    const reading = readEvents(`${h.url}/api/v1/events`, { authorization: `Bearer ${vision}` }, 5, ready);
    await streaming;
    const body = (start: number) => ({
      pool: "V100",
      nodes: 1,
      gpusPerNode: 1,
      priority: "normal",
      start: iso(start),
      end: iso(start + HOUR),
    });
    const a = await h.call("POST", "/api/v1/reservations", { token: vision, body: body(T0 + 5 * HOUR) });
    const b = await h.call("POST", "/api/v1/reservations", { token: vision, body: body(T0 + 6 * HOUR) });
    await h.call("DELETE", `/api/v1/reservations/${a.body.id}`, { token: vision });
    const job = await h.call("POST", "/api/v1/jobs", {
      token: vision,
      body: {
        kind: "external",
        pool: "V100",
        gpus: 1,
        reservation: b.body.id,
        spec: { image: "busybox:1.36" },
      },
    });
    await h.call("DELETE", `/api/v1/jobs/${job.body.id}`, { token: vision });
    const events = await reading;
    expect(events.map((e) => [e.event, e.data.job ?? e.data.reservation])).toEqual([
      ["reservation.created", a.body.id],
      ["reservation.created", b.body.id],
      ["reservation.cancelled", a.body.id],
      ["job.queued", job.body.id],
      ["job.cancelled", job.body.id],
    ]);
    const ids = events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });

  it("resumes after Last-Event-ID, and accepts a one-use ticket instead of a header", async () => {
    const all = await readEvents(
      `${h.url}/api/v1/events?after=0`,
      { authorization: `Bearer ${vision}` },
      5,
      () => {},
    );
    const ticket = await h.call("POST", "/api/v1/events/tickets", { token: vision });
    expect(ticket.status).toBe(201);
    const resumed = await readEvents(
      `${h.url}/api/v1/events?ticket=${ticket.body.ticket}`,
      { "last-event-id": all[2]!.id },
      2,
      () => {},
    );
    expect(resumed.map((e) => e.id)).toEqual([all[3]!.id, all[4]!.id]);
    const reused = await fetch(`${h.url}/api/v1/events?ticket=${ticket.body.ticket}`);
    expect(reused.status).toBe(401);
  });

  it("delivers webhooks signed, retrying with backoff until the receiver accepts", async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    let failuresLeft = 2;
    const receiver: Server = createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", () => {
        received.push({ headers: req.headers, body });
        res.statusCode = failuresLeft-- > 0 ? 503 : 204;
        res.end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    try {
      const port = (receiver.address() as AddressInfo).port;
      const hook = await h.call("POST", "/api/v1/webhooks", {
        token: vision,
        body: { url: `http://127.0.0.1:${port}/hook`, events: ["reservation.created"] },
      });
      expect(hook.status).toBe(201);
      const booked = await h.call("POST", "/api/v1/reservations", {
        token: vision,
        body: {
          pool: "V100",
          nodes: 1,
          gpusPerNode: 1,
          priority: "normal",
          start: iso(T0 + 9 * HOUR),
          end: iso(T0 + 10 * HOUR),
        },
      });
      // The receiver is on loopback: allowed explicitly, as an operator allows on-premises ranges.
      const send = webhookSender(new WebhookTargetPolicy(["127.0.0.0/8"]));
      const dispatcher = new WebhookDispatcher({ ctx: h.ctx, send });
      // The clock is the test's: each pass is at the time the delivery is next due.
      let now = T0;
      for (let i = 0; i < 3; i++) {
        expect(await dispatcher.deliverDue(now)).toBe(1);
        now = (await dispatcher.nextDueAt())!;
      }
      expect(received.map((r) => r.headers["berth-event"])).toEqual([
        "reservation.created",
        "reservation.created",
        "reservation.created",
      ]);
      const last = received[2]!;
      const [t, v1] = String(last.headers["berth-signature"])
        .split(",")
        .map((p) => p.split("=")[1]);
      expect(v1).toBe(createHmac("sha256", hook.body.secret).update(`${t}.${last.body}`).digest("hex"));
      expect(JSON.parse(last.body)).toMatchObject({
        type: "reservation.created",
        data: { reservation: booked.body.id },
      });
      // Delivered: the next pass sends nothing more.
      expect(await dispatcher.nextDueAt()).toBeNull();
      expect(await dispatcher.deliverDue(now + HOUR / 4)).toBe(0);
    } finally {
      receiver.close();
    }
  });

  it("announces starts and ends, and releases a no-show with nothing running", async () => {
    const r = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: {
        pool: "V100",
        nodes: 1,
        gpusPerNode: 2,
        priority: "normal",
        start: iso(T0 + 20 * HOUR),
        end: iso(T0 + 24 * HOUR),
      },
    });
    const deps = {
      ctx: h.ctx,

      noShowSeconds: 1800,
      executor: createDemoExecutor({ now: () => T0 }),
    };
    h.setNow(T0 + 20 * HOUR);
    await runTick(deps, T0 + 20 * HOUR);
    const active = await h.call("GET", "/api/v1/reservations?state=active");
    h.setNow(T0);
    expect(active.body.items.map((x: { id: string }) => x.id)).toContain(r.body.id);
    const started = await h.ctx.db
      .selectFrom("events")
      .select("type")
      .where("type", "=", "reservation.started")
      .execute();
    expect(started.length).toBeGreaterThanOrEqual(1);
    const released = await runTick(deps, T0 + 20 * HOUR + 1800_000);
    expect(released.released).toBeGreaterThanOrEqual(1);
    const got = await h.call("GET", `/api/v1/reservations/${r.body.id}`, { token: ADMIN_TOKEN });
    expect(got.body).toMatchObject({ state: "released", reason: "no-show" });
  });
});
