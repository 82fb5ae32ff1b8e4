// /jobs: submit (train, validate, external), get, list, cancel.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import { jobFor } from "../../services/access/job-visibility.ts";
import type { ServiceContext } from "../../services/context.ts";
import { cancelJob, getJob, listJobs, submitJob } from "../../services/scheduling/jobs.ts";
import { endpoint } from "../endpoint.ts";
import { IdParam, Job, JobCreate, JobListQuery } from "../schemas.ts";

export function jobRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext) {
  endpoint(router, registry, {
    method: "post",
    path: "/jobs",
    tag: "jobs",
    summary: "Submit a job, on a reservation or opportunistic",
    body: JobCreate,
    responses: { 201: { description: "Queued", schema: Job } },
    handler: async ({ body, principal }) => ({ status: 201, body: await submitJob(ctx, principal, body) }),
  });
  endpoint(router, registry, {
    method: "get",
    path: "/jobs",
    tag: "jobs",
    summary: "List jobs",
    query: JobListQuery,
    responses: {
      200: {
        description: "A page",
        schema: z.object({ items: z.array(Job), nextCursor: z.string().optional() }),
      },
    },
    handler: async ({ query, principal }) => {
      const page = await listJobs(ctx, query);
      return { status: 200, body: { ...page, items: page.items.map((j) => jobFor(principal, j)) } };
    },
  });
  endpoint(router, registry, {
    method: "get",
    path: "/jobs/:id",
    tag: "jobs",
    summary: "One job",
    params: IdParam,
    responses: { 200: { description: "The job", schema: Job } },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: jobFor(principal, await getJob(ctx, params.id)),
    }),
  });
  endpoint(router, registry, {
    method: "delete",
    path: "/jobs/:id",
    tag: "jobs",
    summary: "Cancel a job (idempotent)",
    params: IdParam,
    responses: { 200: { description: "Cancelled", schema: Job } },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: await cancelJob(ctx, principal, params.id),
    }),
  });
}
