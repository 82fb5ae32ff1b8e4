// Reading /models and /abchecks, and a pool's utilisation history.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import { scheduleMaintenance } from "../../services/inventory/maintenance.ts";
import { poolUtilisation } from "../../services/inventory/utilisation.ts";
import { getAbCheck, listAbChecks } from "../../services/models/ab-checks.ts";
import { getModel, listModels } from "../../services/models/models.ts";
import { endpoint } from "../endpoint.ts";
import { IdParam, NameParam, Time } from "../schemas.ts";

export function modelRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext) {
  endpoint(router, registry, {
    method: "get",
    path: "/models",
    tag: "models",
    summary: "Model versions and their deployment config",
    query: z.strictObject({ team: z.string().max(63).optional() }),
    responses: { 200: { description: "Models" } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listModels(ctx, query) } }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/models/:id",
    tag: "models",
    summary: "One model version with its A/B checks",
    params: IdParam,
    responses: { 200: { description: "The model" } },
    handler: async ({ params }) => ({ status: 200, body: await getModel(ctx, params.id) }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/abchecks",
    tag: "models",
    summary: "FP16-vs-FP32 A/B checks",
    query: z.strictObject({ model: z.string().max(100).optional() }),
    responses: { 200: { description: "A/B checks" } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listAbChecks(ctx, query) } }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/abchecks/:id",
    tag: "models",
    summary: "One A/B check: its state, pool, report and Berth's reasons",
    params: IdParam,
    responses: { 200: { description: "The check" }, 404: { description: "Unknown check" } },
    handler: async ({ params }) => ({ status: 200, body: await getAbCheck(ctx, params.id) }),
  });
  endpoint(router, registry, {
    method: "post",
    path: "/maintenance",
    tag: "pools",
    summary: "Take a node out for a window (admin); future bookings on it are displaced",
    body: z.strictObject({
      node: z.string().min(1).max(200),
      start: Time,
      end: Time,
      reason: z.string().max(200).optional(),
    }),
    responses: { 201: { description: "The maintenance window, a reservation of kind maintenance" } },
    handler: async ({ body, principal }) => ({
      status: 201,
      body: await scheduleMaintenance(ctx, principal, {
        node: body.node,
        start: Date.parse(body.start),
        end: Date.parse(body.end),
        reason: body.reason,
      }),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/pools/:name/utilisation",
    tag: "pools",
    summary: "Share of the pool's GPU-seconds booked, per bucket of `step` seconds",
    params: NameParam,
    query: z.strictObject({
      from: Time,
      to: Time,
      step: z.coerce
        .number()
        .int()
        .min(900)
        .max(30 * 86_400)
        .default(3600),
    }),
    responses: { 200: { description: "Buckets" } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await poolUtilisation(ctx, params.name, Date.parse(query.from), Date.parse(query.to), query.step),
    }),
  });
}
