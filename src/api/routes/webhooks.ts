// /webhooks: a team's outbound notifications (signed, retried by the loop).
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import type { ServiceContext } from "../../services/context.ts";
import {
  createWebhook,
  deleteWebhook,
  listWebhooks,
  webhookTargets,
} from "../../services/notify/webhooks.ts";
import { endpoint } from "../endpoint.ts";
import { IdParam, WebhookCreate } from "../schemas.ts";

export function webhookRoutes(
  router: Router,
  registry: OpenAPIRegistry,
  ctx: ServiceContext,
  allow: readonly string[] = [],
) {
  const targets = webhookTargets(allow);
  endpoint(router, registry, {
    method: "post",
    path: "/webhooks",
    tag: "webhooks",
    summary: "Register a webhook; payloads carry `Berth-Signature: t=<unix>,v1=<hex HMAC-SHA256 of t.body>`",
    secretInReply: true,
    body: WebhookCreate,
    responses: { 201: { description: "Registered; the signing secret is shown once" } },
    handler: async ({ body, principal }) => ({
      status: 201,
      body: await createWebhook(ctx, principal, body, targets),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/webhooks",
    tag: "webhooks",
    summary: "Webhooks (admins: all; members: their team's)",
    responses: { 200: { description: "Webhooks" } },
    handler: async ({ principal }) => ({ status: 200, body: { items: await listWebhooks(ctx, principal) } }),
  });
  endpoint(router, registry, {
    method: "delete",
    path: "/webhooks/:id",
    tag: "webhooks",
    summary: "Remove a webhook",
    params: IdParam,
    responses: { 200: { description: "Removed" } },
    handler: async ({ params, principal }) => {
      await deleteWebhook(ctx, principal, params.id);
      return { status: 200, body: { id: params.id, deleted: true } };
    },
  });
}
