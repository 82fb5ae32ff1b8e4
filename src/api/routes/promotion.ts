// Model registration, A/B check reports and promotion (issue 5 §4). Admin, or a member of the team
// that owns the model. A refused promotion is a 409 of its own problem type, carrying the reason
// and the config the rules recommend instead.
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { z } from "zod";
import type { ServiceContext } from "../../services/context.ts";
import {
  PROMOTION_REFUSED,
  PromotionRefused,
  promoteModel,
  recordAbCheck,
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
    passed: z.boolean(),
    reasons: z.array(z.string().max(2000)).max(100),
    fp16Arithmetic: z.enum(["gpu", "emulated-on-cpu"]),
    tensorrt: z
      .boolean()
      .optional()
      .openapi({ description: "The FP16 side ran through TensorRT (implied by provider tensorrt)" }),
    job: z
      .string()
      .min(1)
      .max(100)
      .optional()
      .openapi({ description: "The validation job that produced it" }),
  })
  .superRefine((report, ctx) => {
    for (const [key, value] of Object.entries(report)) {
      if (key.includes("\0") || JSON.stringify(value).includes("\\u0000"))
        ctx.addIssue({ code: "custom", path: [key], ...NO_NUL });
    }
  })
  .openapi("AbReport", { description: "The report `berth validate` writes (CONTRACTS.md §6)" });

const Promote = z
  .strictObject({
    precision: Precision,
    batchSize: z.int().min(1).max(4096),
    useTensorrt: z.boolean(),
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
    valueStatus: 400, // its tests still expect 400 for out-of-range values (src/api/endpoint.ts)
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
    valueStatus: 400, // its tests still expect 400 for out-of-range values (src/api/endpoint.ts)
    path: "/models/:id/abchecks",
    tag: "models",
    summary: "Record an FP16-vs-FP32 A/B report as `berth validate` wrote it; emits abcheck.completed",
    params: IdParam,
    body: AbReport,
    responses: { 201: { description: "The recorded check" }, 404: { description: "Unknown model" } },
    handler: async ({ body, params, principal }) => {
      const { job, ...report } = body;
      return { status: 201, body: await recordAbCheck(ctx, principal, params.id, report, job) };
    },
  });
  endpoint(router, registry, {
    method: "post",
    valueStatus: 400, // its tests still expect 400 for out-of-range values (src/api/endpoint.ts)
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
    valueStatus: 400, // its tests still expect 400 for out-of-range values (src/api/endpoint.ts)
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
