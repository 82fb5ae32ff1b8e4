// Webhooks cannot be pointed inside (registration and every send check the target, and the send
// connects to the address checked), and their signing secrets are sealed at rest.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fetchWebhookSender, webhookSender } from "../../../src/adapters/http/webhook-sender.ts";
import { WebhookTargetPolicy } from "../../../src/adapters/http/webhook-target.ts";
import { WebhookDispatcher } from "../../../src/services/notify/webhook-dispatcher.ts";
import { sealPlainWebhookSecrets } from "../../../src/services/notify/webhook-secrets.ts";
import { type Harness, HOUR, startHarness, T0 } from "../../support/api-harness.ts";
import { bookingBody } from "../../support/booking-body.ts";
import { BACKENDS } from "../../support/database.ts";

describe.each(BACKENDS)("webhook safety on %s", (backend) => {
  let h: Harness;
  let vision: string;
  let receiver: Server;
  let port: number;
  const received: string[] = [];
  beforeAll(async () => {
    h = await startHarness(backend);
    vision = await h.team("vision");
    receiver = createServer((req, res) => {
      received.push(String(req.headers["berth-event"]));
      req.resume();
      req.on("end", () => res.end());
    });
    await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
    port = (receiver.address() as AddressInfo).port;
  });
  afterAll(async () => {
    receiver.close();
    await h.close();
  });

  it.each([
    "http://127.0.0.1:8080/hook",
    "http://169.254.169.254/latest/meta-data/iam/",
    "http://kubernetes.default.svc/api/v1/secrets",
    "http://2130706433/hook",
    "http://0x7f.1/hook",
    "http://[::1]/hook",
    "http://[::ffff:169.254.169.254]/",
    "http://10.0.0.1/hook",
    "http://localhost/hook",
    "http://me:secret@hooks.example.com/hook",
  ])("refuses to register %s (422 on url, nothing stored)", async (url) => {
    const r = await h.call("POST", "/api/v1/webhooks", {
      token: vision,
      body: { url, events: ["job.queued"] },
    });
    expect(r.status).toBe(422);
    expect(r.body.errors[0].field).toBe("url");
    expect((await h.call("GET", "/api/v1/webhooks", { token: vision })).body.items).toEqual([]);
  });

  it("stores the signing secret sealed, never as given", async () => {
    const r = await h.call("POST", "/api/v1/webhooks", {
      token: vision,
      body: { url: "https://hooks.example.com/berth", events: ["job.queued"] },
    });
    expect(r.status).toBe(201);
    const row = await h.ctx.db
      .selectFrom("webhooks")
      .select("secret")
      .where("id", "=", r.body.id)
      .executeTakeFirstOrThrow();
    expect(row.secret).not.toContain(r.body.secret);
    expect(row.secret).toMatch(/^berth-aes256gcm:v1:/);
    await h.call("DELETE", `/api/v1/webhooks/${r.body.id}`, { token: vision });
  });

  it("checks the target again when sending: a stored inside address gets nothing unless allowed", async () => {
    // As if the row predates the check (or an older Berth stored it): plain secret, loopback target.
    await sql`INSERT INTO webhooks (id, team, url, secret, events)
      VALUES ('wh-legacy', 'vision', ${`http://127.0.0.1:${port}/hook`}, 'whsec_plain', '{reservation.created}')`.execute(
      h.ctx.db,
    );
    expect(await sealPlainWebhookSecrets(h.ctx)).toBe(1);
    const booked = await h.call("POST", "/api/v1/reservations", {
      token: vision,
      body: bookingBody(),
    });
    expect(booked.status).toBe(201);
    expect(await new WebhookDispatcher({ ctx: h.ctx, send: fetchWebhookSender }).deliverDue(T0)).toBe(1);
    expect(received).toEqual([]);
    const failed = await h.ctx.db
      .selectFrom("webhook_deliveries")
      .select("last_error")
      .where("webhook_id", "=", "wh-legacy")
      .executeTakeFirstOrThrow();
    expect(failed.last_error).toMatch(/target refused/);
    const onPrem = webhookSender(new WebhookTargetPolicy(["127.0.0.0/8"]));
    expect(await new WebhookDispatcher({ ctx: h.ctx, send: onPrem }).deliverDue(T0 + HOUR)).toBe(1);
    expect(received).toEqual(["reservation.created"]);
  });
});
