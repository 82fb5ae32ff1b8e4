// Outbound webhooks a team registers: which events, where. Deliveries are queued in the same
// transaction as the event (adapters/db/repos/events.ts) and sent by the loop with retries.
import { randomBytes } from "node:crypto";
import { appendAudit } from "../../adapters/db/repos/audit.ts";
import { teamExists } from "../../adapters/db/repos/teams.ts";
import {
  deleteWebhookRow,
  findWebhookTeam,
  insertWebhook,
  listWebhookRows,
} from "../../adapters/db/repos/webhooks.ts";
import { WebhookTargetPolicy } from "../../adapters/http/webhook-target.ts";
import { DomainError, invalid, notFound } from "../../basics/domain-error.ts";
import { newId } from "../../basics/ids.ts";
import { isAdmin, type Principal, type ServiceContext } from "../context.ts";
import { answerWithWrite } from "../idempotent-answers.ts";
import { sealSecret } from "./webhook-secrets.ts";

export const EVENT_TYPES = [
  "reservation.created",
  "reservation.displaced",
  "reservation.replaced",
  "reservation.started",
  "reservation.ended",
  "reservation.cancelled",
  "job.queued",
  "job.admitted",
  "job.running",
  "job.preempted",
  "job.succeeded",
  "job.failed",
  "job.cancelled",
  "abcheck.completed",
  "model.promoted",
] as const;

/** The target policy for registrations and sends, with the operator's allowed ranges. */
export function webhookTargets(allow: readonly string[]): WebhookTargetPolicy {
  return new WebhookTargetPolicy(allow);
}

export async function createWebhook(
  ctx: ServiceContext,
  by: Principal,
  req: { team?: string | undefined; url: string; events: string[] },
  targets: WebhookTargetPolicy = new WebhookTargetPolicy(),
) {
  const team = isAdmin(by) ? (req.team ?? by.team) : by.team;
  if (!team) throw invalid([{ field: "team", message: "name the team the webhook belongs to" }]);
  if (!isAdmin(by) && req.team !== undefined && req.team !== by.team) {
    throw new DomainError("forbidden", "members register webhooks for their own team only");
  }
  const unknown = req.events.filter((e) => !(EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length > 0)
    throw invalid([{ field: "events", message: `unknown event types: ${unknown.join(", ")}` }]);
  if (!(await teamExists(ctx.db, team)))
    throw invalid([{ field: "team", message: `unknown team "${team}"` }]);
  // Checked again before every send (adapters/http/webhook-sender.ts): a name may change its answer.
  const target = await targets.checkRegistration(req.url);
  if (!target.ok) throw invalid([{ field: "url", message: target.reason }]);
  const secret = `whsec_${randomBytes(24).toString("base64url")}`;
  const id = newId("wh");
  // The signing secret is shown once, like a token.
  const created = { id, team, url: req.url, events: req.events, secret };
  await ctx.db.transaction().execute(async (trx) => {
    await insertWebhook(trx, { id, team, url: req.url, secret: sealSecret(secret, id), events: req.events });
    await appendAudit(trx, {
      at: ctx.clock.now(),
      actor: by.name,
      action: "webhook.created",
      team,
      detail: { webhook: id, url: req.url, events: req.events },
    });
    // Only the id commits with it, never the secret: a retry after a crash is told the id (a 409).
    await answerWithWrite(trx, 201, created, { secret: true });
  });
  return created;
}

export async function listWebhooks(ctx: ServiceContext, by: Principal) {
  const rows = await listWebhookRows(ctx.db, isAdmin(by) ? null : (by.team ?? ""));
  return rows.map((w) => ({
    ...w,
    created_at: undefined,
    createdAt: w.created_at.toISOString(),
  }));
}

export async function deleteWebhook(ctx: ServiceContext, by: Principal, id: string) {
  const w = await findWebhookTeam(ctx.db, id);
  if (!w) throw notFound(`webhook ${id}`);
  if (!isAdmin(by) && w.team !== by.team)
    throw new DomainError("forbidden", "this webhook belongs to another team");
  await ctx.db.transaction().execute(async (trx) => {
    await deleteWebhookRow(trx, id);
    await appendAudit(trx, {
      at: ctx.clock.now(),
      actor: by.name,
      action: "webhook.deleted",
      team: w.team,
      detail: { webhook: id },
    });
  });
}
