// The HTTP application: createApp(deps) builds it without listening (tests and `berth serve` alike).
import { randomUUID } from "node:crypto";
import { OpenAPIRegistry, OpenApiGeneratorV31 } from "@asteasolutions/zod-to-openapi";
import express, { type Express } from "express";
import type { Logger } from "pino";
import { DomainError } from "../basics/domain-error.ts";
import type { ServiceContext } from "../services/context.ts";
import type { EventHub } from "../services/notify/event-hub.ts";
import { consumeTicket } from "../services/notify/stream-tickets.ts";
import { isReady } from "../services/readiness.ts";
import { bearerAuth } from "./auth.ts";
import { refuseOtherMethods } from "./endpoint.ts";
import { idempotency } from "./idempotency.ts";
import { inputGuard } from "./input-guard.ts";
import type { Metrics } from "./metrics.ts";
import { exactDocument } from "./openapi-exact.ts";
import { errorHandler, problemOf, sendProblem } from "./problem.ts";
import { rateLimit } from "./rate-limit.ts";
import { accountingRoutes } from "./routes/accounting.ts";
import { calendarRoutes } from "./routes/calendars.ts";
import { eventRoutes } from "./routes/events.ts";
import { jobRoutes } from "./routes/jobs.ts";
import { modelRoutes } from "./routes/models.ts";
import { poolRoutes } from "./routes/pools.ts";
import { promotionRoutes } from "./routes/promotion.ts";
import { reservationRoutes } from "./routes/reservations.ts";
import { teamRoutes } from "./routes/teams.ts";
import { webhookRoutes } from "./routes/webhooks.ts";
import { webUi } from "./web-ui.ts";

export interface AppDeps {
  readonly ctx: ServiceContext;
  readonly hub: EventHub;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly rateLimit: number;
  readonly bodyLimit: string;
  /** Token lifetimes, webhook targets, stream limits; defaults where absent (tests). */
  readonly security?: SecuritySettings;
  /** Extra facts for /readyz and the UI (executor in use, database kind). */
  readonly info?: Record<string, unknown>;
  /** Fault injection for crash tests, unset in service: see `idempotency` in ./idempotency.ts. */
  readonly faults?: { readonly beforeAnswer?: () => void };
}

export interface SecuritySettings {
  /** Lifetime of member tokens created without one, seconds; 0: never expire. */
  readonly memberTokenTtlSeconds: number;
  /** CIDRs webhook targets may lie in although they are private or special (on-premises receivers). */
  readonly webhookAllow: readonly string[];
  /** Open event streams per token; one more is a 429. */
  readonly maxStreamsPerToken: number;
}

export const DEFAULT_SECURITY: SecuritySettings = {
  memberTokenTtlSeconds: 0,
  webhookAllow: [],
  maxStreamsPerToken: 4,
};

export interface BerthApp {
  readonly app: Express;
  readonly openapi: Record<string, unknown>;
}

export function createApp(deps: AppDeps): BerthApp {
  const { ctx, logger, metrics } = deps;
  const security = { ...DEFAULT_SECURITY, ...deps.security };
  const app = express();
  app.disable("x-powered-by");
  app.set("query parser", "simple");

  // Request id and structured log line per request; the Authorization header is never logged.
  app.use((req, res, next) => {
    const id = (req.get("x-request-id") ?? "").slice(0, 100) || randomUUID();
    res.set("X-Request-Id", id);
    const log = logger.child({ reqId: id });
    (req as unknown as { log: Logger }).log = log;
    const stop = metrics.httpSeconds.startTimer();
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const route = (req.route?.path as string | undefined) ?? "unmatched";
      stop({ method: req.method, route: `${req.baseUrl}${route}`, status: String(res.statusCode) });
      log.info(
        {
          method: req.method,
          url: req.originalUrl.split("?")[0],
          status: res.statusCode,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        "request",
      );
    });
    next();
  });

  app.get("/healthz", (_req, res) => {
    res.json({ status: "ok" });
  });
  app.get("/readyz", async (_req, res) => {
    if (await isReady(ctx)) res.json({ status: "ready", ...deps.info });
    else res.status(503).json({ status: "database unreachable" });
  });
  app.get("/metrics", async (_req, res) => {
    res.type(deps.metrics.registry.contentType).send(await deps.metrics.registry.metrics());
  });

  const registry = new OpenAPIRegistry();
  registry.registerComponent("securitySchemes", "bearer", { type: "http", scheme: "bearer" });
  const api = express.Router();
  api.use(
    express.json({ limit: deps.bodyLimit, strict: true, type: ["application/json", "application/*+json"] }),
  );
  api.use(inputGuard());
  api.use(bearerAuth(ctx, (t) => consumeTicket(ctx, t)));
  api.use(rateLimit(deps.rateLimit, () => ctx.clock.now()));
  api.use(idempotency(ctx, deps.faults?.beforeAnswer));
  reservationRoutes(api, registry, ctx, metrics);
  poolRoutes(api, registry, ctx);
  teamRoutes(api, registry, ctx, { memberTokenTtlSeconds: security.memberTokenTtlSeconds });
  jobRoutes(api, registry, ctx);
  webhookRoutes(api, registry, ctx, security.webhookAllow);
  modelRoutes(api, registry, ctx);
  promotionRoutes(api, registry, ctx);
  eventRoutes(api, registry, ctx, deps.hub, security.maxStreamsPerToken);
  accountingRoutes(api, registry, ctx);
  calendarRoutes(api, registry, ctx);
  refuseOtherMethods(api);
  api.use((req, res) =>
    sendProblem(res, problemOf(new DomainError("not-found", `no endpoint ${req.method} ${req.path}`))),
  );

  const openapi = exactDocument(
    new OpenApiGeneratorV31(registry.definitions).generateDocument({
      openapi: "3.1.0",
      info: { title: "Berth", version: "1", description: "GPU reservation scheduler: docs/rules.md §4" },
      servers: [{ url: "/" }],
    }) as unknown as Record<string, unknown>,
  );
  app.get("/openapi.json", (_req, res) => {
    res.json(openapi);
  });
  app.use("/api/v1", api);
  app.use(webUi());
  app.use((req, res) =>
    sendProblem(res, problemOf(new DomainError("not-found", `no endpoint ${req.method} ${req.path}`))),
  );
  app.use(errorHandler(logger));
  return { app, openapi };
}
