// Model registration, A/B checks and promotion. Admin, or a member of the team that owns the model.
// An A/B check is run by Berth (202) or, by an admin, imported (201); either way Berth judges it. A
// refused promotion is a 409 of its own problem type, carrying the reasons and the config the rules
// recommend instead.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import { importAbReport, requestAbCheck } from "../../services/models/ab-checks.ts";
import {
  inferenceConfig,
  PROMOTION_REFUSED,
  PromotionRefused,
  promoteModel,
  registerModel,
  switchPrecision,
} from "../../services/models/promotion.ts";
import { endpoint } from "../endpoint.ts";
import { PROBLEM_BASE } from "../problem.ts";
import { IdParam, TeamName } from "../schemas.ts";

const Precision = z.enum(["fp16", "fp32", "int8"]).openapi("InferencePrecision");
// PostgreSQL text and jsonb cannot hold U+0000: refuse it here as bad input, not as a 500 later.
const NO_NUL = { message: "must not contain NUL characters" };
const text = (max: number) =>
  z
    .string()
    .min(1)
    .max(max)
    .refine((s) => !s.includes("\0"), NO_NUL);
const ArtifactPath = text(1000);

const ModelCreate = z
  .strictObject({
    team: TeamName.optional().openapi({ description: "Owning team; a member's own team when absent" }),
    name: text(200),
    version: text(100),
    artifacts: z.strictObject({ fp32: ArtifactPath, fp16: ArtifactPath.optional() }).openapi({
      description: "Paths of the ONNX exports on the shared volume",
    }),
  })
  .openapi("ModelCreate");

// `berth validate` writes more than promotion reads (model paths, per-class AP, the gate, the
// post-processing): the report is accepted whole and stored as written, so these objects are loose.
const Points = z.number().finite();
const SideMetrics = z.looseObject({
  map5095: z.number(),
  map50: z.number(),
  apSmall: z.number(),
  imagesPerSecond: z.number().nonnegative(),
  peakMemoryMB: z.number().nonnegative(),
});
const AbReport = z
  .looseObject({
    images: z.int().min(0),
    provider: z.enum(["cpu", "cuda", "tensorrt"]),
    fp32: SideMetrics,
    fp16: SideMetrics,
    delta: z.looseObject({
      map5095: Points,
      map50: Points,
      apSmall: Points,
      ci95: z.tuple([Points, Points]),
    }),
    passed: z.boolean().optional().openapi({ description: "Ignored: Berth judges the numbers itself" }),
    reasons: z.array(z.string().max(2000)).max(100).optional(),
    fp16Arithmetic: z.enum(["gpu", "emulated-on-cpu"]).optional(),
    tensorrt: z
      .boolean()
      .optional()
      .openapi({ description: "The FP16 side ran through TensorRT (implied by provider tensorrt)" }),
  })
  .superRefine((report, ctx) => {
    for (const [key, value] of Object.entries(report)) {
      if (key.includes("\0") || JSON.stringify(value).includes("\\u0000"))
        ctx.addIssue({ code: "custom", path: [key], ...NO_NUL });
    }
  })
  .openapi("AbReport", { description: "The report `berth validate` writes (docs/rules.md §6)" });

const PoolName = z.string().min(1).max(200);

const AbCheckCreate = z
  .strictObject({
    data: text(1000).optional().openapi({
      description: "Berth runs the check: the validation set (COCO annotations.json and images)",
    }),
    report: AbReport.optional().openapi({
      description: "An admin imports a report run elsewhere (with `pool`)",
    }),
    pool: PoolName.optional().openapi({
      description: "The pool to run on, or that the imported report ran on",
    }),
  })
  .superRefine((b, ctx) => {
    if ((b.data === undefined) === (b.report === undefined))
      ctx.addIssue({
        code: "custom",
        path: ["data"],
        message: "either data (Berth runs the check) or report (an import)",
      });
    if (b.report !== undefined && b.pool === undefined)
      ctx.addIssue({ code: "custom", path: ["pool"], message: "the pool the imported report ran on" });
  })
  // The refinement above, as the document can say it: `data` alone, or `report` with its `pool`.
  .openapi("AbCheckCreate", {
    oneOf: [
      { required: ["data"], not: { required: ["report"] } },
      { required: ["report", "pool"], not: { required: ["data"] } },
    ],
  });

const Promote = z
  .strictObject({
    precision: Precision,
    batchSize: z.int().min(1).max(4096).optional(),
    useTensorrt: z.boolean().optional(),
    pool: z
      .string()
      .min(1)
      .max(200)
      .optional()
      .openapi({ description: "Serving pool: its compute capability" }),
  })
  .openapi("PromoteRequest");

const refusedResponse = {
  description: "Refused by the mixed-precision rules: `reason` and the `recommended` config",
};

/** Turns a refusal into its own problem type; endpoint() sends any error carrying `problem`. */
async function refusalAsProblem<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (!(err instanceof PromotionRefused)) throw err;
    throw Object.assign(err, {
      problem: {
        type: PROBLEM_BASE + PROMOTION_REFUSED,
        title: "Promotion refused",
        status: 409,
        detail: err.message,
        ...err.extra,
      },
    });
  }
}

export function promotionRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext) {
  endpoint(router, registry, {
    method: "post",
    path: "/models",
    tag: "models",
    summary: "Register a model version and its ONNX exports (admin, or the owning team)",
    body: ModelCreate,
    responses: { 201: { description: "The model version, state candidate" } },
    handler: async ({ body, principal }) => ({
      status: 201,
      body: await registerModel(ctx, principal, body),
    }),
  });
  endpoint(router, registry, {
    method: "post",
    path: "/models/:id/abchecks",
    tag: "models",
    summary:
      "Run an FP16-vs-FP32 A/B check (`data`: 202, a one-GPU validate job), or import a report (admin; `report` and `pool`: 201)",
    params: IdParam,
    body: AbCheckCreate,
    responses: {
      201: { description: "The imported report, judged by Berth" },
      202: { description: "The check, queued with its validation job" },
      404: { description: "Unknown model" },
    },
    handler: async ({ body, params, principal }) =>
      body.report !== undefined
        ? {
            status: 201,
            body: await importAbReport(ctx, principal, params.id, { report: body.report, pool: body.pool! }),
          }
        : {
            status: 202,
            body: await requestAbCheck(ctx, principal, params.id, { data: body.data!, pool: body.pool }),
          },
  });
  endpoint(router, registry, {
    method: "get",
    path: "/models/:id/inference-config",
    tag: "models",
    summary:
      "The deploy block for a pool: the promoted config where it is valid there, else the recommended one",
    params: IdParam,
    query: z.strictObject({ pool: PoolName }),
    responses: { 200: { description: "`{inference: {precision, batch_size, use_tensorrt}}`" } },
    handler: async ({ params, query }) => ({
      status: 200,
      body: await inferenceConfig(ctx, params.id, query.pool),
    }),
  });
  endpoint(router, registry, {
    method: "post",
    path: "/models/:id/promote",
    tag: "models",
    summary: "Promote a model version to a deploy config, judged against its latest A/B check",
    params: IdParam,
    body: Promote,
    responses: {
      200: { description: "The model with `inference: {precision, batch_size, use_tensorrt}`" },
      404: { description: "Unknown model" },
      409: refusedResponse,
    },
    handler: async ({ body, params, principal }) => ({
      status: 200,
      body: await refusalAsProblem(() => promoteModel(ctx, principal, params.id, body)),
    }),
  });
  endpoint(router, registry, {
    method: "put",
    path: "/models/:id/precision",
    tag: "models",
    summary: "Switch a promoted model's precision: fp32 always, fp16 only with a passed GPU check",
    params: IdParam,
    body: z.strictObject({ precision: Precision }).openapi("PrecisionSwitch"),
    responses: {
      200: { description: "The model with its new inference config" },
      404: { description: "Unknown model" },
      409: refusedResponse,
    },
    handler: async ({ body, params, principal }) => ({
      status: 200,
      body: await refusalAsProblem(() => switchPrecision(ctx, principal, params.id, body.precision)),
    }),
  });
}
