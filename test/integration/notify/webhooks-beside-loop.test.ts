// Webhooks are delivered beside the scheduling loop, never inside it: a receiver that never answers
// neither delays a tick nor another team's deliveries, and after a few failures its breaker opens so
// it is left alone for a while.
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { webhookSender } from "../../../src/adapters/http/webhook-sender.ts";
import { WebhookTargetPolicy } from "../../../src/adapters/http/webhook-target.ts";
import { WebhookDispatcher } from "../../../src/services/notify/webhook-dispatcher.ts";
import { runTick } from "../../../src/services/scheduling/tick.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { BACKENDS } from "../../support/database.ts";
import { recordingExecutor } from "../../support/recording-executor.ts";

/** A real receiver on loopback: it answers 204, or (silent) accepts and never answers. */
async function receiver(silent: boolean) {
  const seen: string[] = [];
  let connections = 0;
  const server: Server = createServer((req: IncomingMessage, res) => {
    connections++;
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push(JSON.parse(body).type);
      if (!silent) res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    seen,
    connections: () => connections,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

describe.each(BACKENDS)("webhooks beside the loop on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let audio: string;
  let silent: Awaited<ReturnType<typeof receiver>>;
  let good: Awaited<ReturnType<typeof receiver>>;
  beforeAll(async () => {
    // The receivers are on loopback: allowed explicitly, as an operator allows on-premises ranges.
    h = await startHarness(backend, { security: { webhookAllow: ["127.0.0.0/8"] } });
    vision = await h.team("vision");
    audio = await h.team("audio");
    silent = await receiver(true);
    good = await receiver(false);
    const events = ["job.queued", "job.admitted"];
    for (const [token, url] of [
      [audio, silent.url],
      [vision, good.url],
    ] as const)
      expect((await h.call("POST", "/api/v1/webhooks", { token, body: { url, events } })).status).toBe(201);
  });
  afterAll(async () => {
    await silent.close();
    await good.close();
    await h.close();
  });

  it("admits jobs without waiting for a receiver that never answers, and delivers the others' events at once", async () => {
    const { executor, launches } = recordingExecutor();
    const submit = async (token: string) =>
      (
        await h.call("POST", "/api/v1/jobs", {
          token,
          body: { kind: "external", pool: "V100", gpus: 1, spec: { image: "busybox" } },
        })
      ).body.id as string;
    await submit(audio);
    const mine = await submit(vision);
    const started = performance.now();
    await runTick({ ctx: h.ctx, noShowSeconds: 0, executor }, T0);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(launches.map((l) => l.job)).toContain(mine);

    const dispatcher = new WebhookDispatcher({
      ctx: h.ctx,
      send: webhookSender(new WebhookTargetPolicy(["127.0.0.0/8"])),
      sendTimeoutMs: 300,
      breaker: { failures: 3, openMs: HOUR },
    });
    const before = performance.now();
    await dispatcher.deliverDue(T0);
    expect(performance.now() - before).toBeLessThan(2_000);
    expect(good.seen).toEqual(["job.queued", "job.admitted"]);
    expect(silent.connections()).toBe(1);

    // Two more failures open the silent receiver's breaker; then it is not called for a while.
    await dispatcher.deliverDue(T0 + 60_000);
    await dispatcher.deliverDue(T0 + 120_000);
    expect(silent.connections()).toBe(3);
    await dispatcher.deliverDue(T0 + 180_000);
    expect(silent.connections()).toBe(3);
    // A later job of the other team is still delivered promptly.
    await submit(vision);
    await dispatcher.deliverDue(T0 + 240_000);
    expect(good.seen).toEqual(["job.queued", "job.admitted", "job.queued"]);
    // After the breaker's open time, one delivery tries the receiver again.
    await dispatcher.deliverDue(T0 + 2 * HOUR);
    expect(silent.connections()).toBe(4);
  });
});
