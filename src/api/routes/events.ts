// GET /events: Server-Sent Events from the outbox, in commit order. Resumes after `Last-Event-ID`
// (or ?after=); authenticated by header (read with fetch) or by a short-lived ticket (EventSource).
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Router } from "express";
import { DomainError } from "../../basics/domain-error.ts";
import type { ServiceContext } from "../../services/context.ts";
import type { EventHub } from "../../services/notify/event-hub.ts";
import { latestEventCursor, readEventsAfter } from "../../services/notify/event-log.ts";
import { issueTicket } from "../../services/notify/stream-tickets.ts";
import { endpoint } from "../endpoint.ts";
import { EventsQuery } from "../schemas.ts";

const BATCH = 500;
/** Re-read even without a poke: another replica may have written (PostgreSQL with several replicas). */
const POLL_MS = 1_000;
const HEARTBEAT_MS = 15_000;

export function eventRoutes(router: Router, registry: OpenAPIRegistry, ctx: ServiceContext, hub: EventHub) {
  endpoint(router, registry, {
    method: "post",
    path: "/events/tickets",
    secretInReply: true,
    tag: "events",
    summary: "Trade the bearer token for a one-use stream ticket (valid 60 s) for EventSource",
    responses: { 201: { description: "Ticket" } },
    handler: async ({ principal }) => ({ status: 201, body: await issueTicket(ctx, principal) }),
  });

  registry.registerPath({
    method: "get",
    path: "/api/v1/events",
    summary: "Server-Sent Events: reservation.* and job.* state changes in commit order",
    tags: ["events"],
    security: [{ bearer: [] }],
    request: { query: EventsQuery as never },
    responses: {
      200: {
        description: "text/event-stream",
        content: { "text/event-stream": { schema: { type: "string" } } },
      },
    },
  });
  router.get("/events", async (req, res, next) => {
    try {
      if (!res.locals.principal)
        throw new DomainError("unauthenticated", "a bearer token or a stream ticket is required");
      const q = EventsQuery.safeParse(req.query);
      if (!q.success)
        throw new DomainError("invalid", "bad query", {
          errors: [{ field: "after", message: "an event id" }],
        });
      const lastHeader = req.get("last-event-id");
      let cursor = /^\d{1,18}$/.test(lastHeader ?? "")
        ? lastHeader!
        : (q.data.after ?? (await latestEventCursor(ctx)));
      res.writeHead(200, {
        "Content-Type": "text/event-stream",
        "Cache-Control": "no-cache, no-transform",
        Connection: "keep-alive",
        "X-Accel-Buffering": "no",
      });
      res.write(": berth event stream\n\n");
      let reading = false;
      let again = false;
      let closed = false;
      const pump = async () => {
        if (reading) {
          again = true;
          return;
        }
        reading = true;
        try {
          do {
            again = false;
            for (;;) {
              const batch = await readEventsAfter(ctx, cursor, BATCH, q.data.team);
              for (const e of batch) {
                if (closed) return;
                res.write(
                  `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...e.data, at: e.at })}\n\n`,
                );
                cursor = e.id;
              }
              if (batch.length < BATCH) break;
            }
          } while (again && !closed);
        } catch (err) {
          ctx.logger.warn({ err }, "event stream read failed");
        } finally {
          reading = false;
        }
      };
      const unsubscribe = hub.subscribe(() => void pump());
      const poll = setInterval(() => void pump(), POLL_MS);
      const beat = setInterval(() => res.write(": keep-alive\n\n"), HEARTBEAT_MS);
      req.on("close", () => {
        closed = true;
        unsubscribe();
        clearInterval(poll);
        clearInterval(beat);
      });
      await pump();
    } catch (err) {
      next(err);
    }
  });
}
