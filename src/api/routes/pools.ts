// /pools, /nodes, /availability, occupancy per node for the timeline.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import { availability, listNodes, listPools, occupancy, putPool } from "../../services/inventory/pools.ts";
import { endpoint } from "../endpoint.ts";
import { Availability, availabilityQuery, NameParam, OccupancyQuery, Pool, PoolPut } from "../schemas.ts";

export function poolRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext) {
  endpoint(router, registry, {
    method: "get",
    path: "/pools",
    tag: "pools",
    summary: "GPU pools",
    responses: { 200: { description: "Pools", schema: z.object({ items: z.array(Pool) }) } },
    handler: async () => ({ status: 200, body: { items: await listPools(ctx) } }),
  });
  endpoint(router, registry, {
    method: "put",
    path: "/pools/:name",
    tag: "pools",
    summary: "Configure a pool and its nodes `<pool>-<i>` (admin)",
    params: NameParam,
    body: PoolPut,
    responses: { 200: { description: "The pool", schema: Pool } },
    handler: async ({ params, body, principal }) => ({
      status: 200,
      body: await putPool(ctx, principal, { name: params.name, ...body }),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/nodes",
    tag: "pools",
    summary: "Nodes, optionally of one pool",
    query: z.strictObject({ pool: z.string().max(200).optional() }),
    responses: { 200: { description: "Nodes" } },
    handler: async ({ query }) => ({ status: 200, body: { items: await listNodes(ctx, query.pool) } }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/availability",
    tag: "pools",
    summary: "Earliest free windows for a shape (`duration` in seconds)",
    query: availabilityQuery(ctx.rules),
    responses: { 200: { description: "Free windows, earliest first", schema: Availability } },
    handler: async ({ query }) => ({
      status: 200,
      body: await availability(ctx, {
        pool: query.pool,
        nodes: query.nodes,
        gpusPerNode: query.gpusPerNode,
        durationSeconds: query.duration,
        after: query.after ? Date.parse(query.after) : undefined,
        limit: query.limit,
      }),
    }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/pools/:name/occupancy",
    tag: "pools",
    summary: "Holds per node over [from, to): the timeline",
    params: NameParam,
    query: OccupancyQuery,
    responses: { 200: { description: "Per-node holds" } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await occupancy(ctx, params.name, Date.parse(query.from), Date.parse(query.to)),
    }),
  });
}
