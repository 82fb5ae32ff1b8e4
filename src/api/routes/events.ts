// GET /events: Server-Sent Events from the outbox, in the order the outbox's cursor gives (it never
// skips an event whose transaction commits late: adapters/db/repos/events.ts). Resumes after
// `Last-Event-ID` (or ?after=); authenticated by header (read with fetch) or by a short-lived ticket
// (EventSource). Each token holds at most `maxPerToken` streams (one more is a 429); a client that
// does not read is not written to until its socket drains, so history is never buffered in memory
// for it; a stream ends once its token is revoked or expires.
import { once } from "node:events";
import type { OpenAPIRegistry } from "@asteasolutions/zod-to-openapi";
import type { Response, Router } from "express";
import { z } from "zod";
import { DomainError } from "../../basics/domain-error.ts";
import { authenticateById } from "../../services/access/auth-lookup.ts";
import type { Principal, ServiceContext } from "../../services/context.ts";
import type { EventHub } from "../../services/notify/event-hub.ts";
import { latestEventCursor, readEventsAfter } from "../../services/notify/event-log.ts";
import { eventPayload } from "../../services/notify/event-payload.ts";
import { issueTicket } from "../../services/notify/stream-tickets.ts";
import { endpoint, errorResponseDocs, noteRoute } from "../endpoint.ts";
import { PROBLEM_BASE, sendProblem } from "../problem.ts";
import { EventsQuery } from "../schemas.ts";

const BATCH = 500;
/** Re-read even without a poke: another replica may have written (PostgreSQL with several replicas). */
const POLL_MS = 1_000;
const HEARTBEAT_MS = 15_000;
/** How often a stream asks whether its token still holds (the auth cache's lifetime, src/api/auth.ts). */
const TOKEN_CHECK_MS = 5_000;

/** Resolves once the socket can take more (true), or when the client has gone (false). */
async function drained(res: Response): Promise<boolean> {
  if (res.destroyed) return false;
  const ac = new AbortController();
  try {
    await Promise.race([
      once(res, "drain", { signal: ac.signal }),
      once(res, "close", { signal: ac.signal }),
    ]);
  } catch {}
  ac.abort();
  return !res.destroyed && !res.writableEnded;
}

export function eventRoutes(
  router: Router,
  registry: OpenAPIRegistry,
  ctx: ServiceContext,
  hub: EventHub,
  maxPerToken = 4,
) {
  const open = new Map<string, number>();
  endpoint(router, registry, {
    method: "post",
    path: "/events/tickets",
    secretInReply: true,
    tag: "events",
    summary: "Trade the bearer token for a one-use stream ticket (valid 60 s) for EventSource",
    responses: {
      201: {
        description: "Ticket",
        schema: z.object({ ticket: z.string(), expiresAt: z.iso.datetime({ offset: true }) }),
      },
    },
    handler: async ({ principal }) => ({ status: 201, body: await issueTicket(ctx, principal) }),
  });

  registry.registerPath({
    method: "get",
    path: "/api/v1/events",
    summary: "Server-Sent Events: reservation.* and job.* state changes",
    tags: ["events"],
    security: [{ bearer: [] }],
    request: { query: EventsQuery as never },
    responses: {
      200: {
        description: "An endless text/event-stream: `id:`, `event:` and `data:` (JSON) lines per event",
        // Per event, as SSE clients (and schemathesis) read the stream; `: ...` lines are comments.
        content: {
          "text/event-stream": {
            schema: z
              .object({
                id: z
                  .string()
                  .openapi({ description: "The cursor to resume after (`after`, `Last-Event-ID`)" }),
                event: z.string().openapi({ description: "The event's name, e.g. `reservation.created`" }),
                data: z.string().openapi({ description: "The event's data as JSON, with `at`" }),
              })
              .openapi({ description: "One server-sent event" }),
          },
        },
      },
      ...errorResponseDocs(),
    },
  });
  noteRoute(router, "/events", "get");
  router.get("/events", async (req, res, next) => {
    try {
      const principal = res.locals.principal as Principal | undefined;
      if (!principal)
        throw new DomainError("unauthenticated", "a bearer token or a stream ticket is required");
      const q = EventsQuery.safeParse(req.query);
      if (!q.success)
        throw new DomainError("invalid", "bad query", {
          errors: [{ field: "after", message: "an event id" }],
        });
      const held = open.get(principal.tokenId) ?? 0;
      if (held >= maxPerToken) {
        return sendProblem(
          res,
          {
            type: `${PROBLEM_BASE}rate-limited`,
            title: "Too many streams",
            status: 429,
            detail: `at most ${maxPerToken} open event streams per token`,
          },
          { "Retry-After": "5" },
        );
      }
      open.set(principal.tokenId, held + 1);
      let closed = false;
      const release = () => {
        if (closed) return;
        closed = true;
        const n = (open.get(principal.tokenId) ?? 1) - 1;
        if (n > 0) open.set(principal.tokenId, n);
        else open.delete(principal.tokenId);
      };
      res.on("close", release);
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
                const ok = res.write(
                  `id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify({ ...eventPayload(e.type, e.data), at: e.at })}\n\n`,
                );
                cursor = e.id;
                // Back-pressure: wait for the socket rather than queue the rest of history in memory.
                if (!ok && !(await drained(res))) return;
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
      const beat = setInterval(() => {
        if (!res.writableNeedDrain) res.write(": keep-alive\n\n");
      }, HEARTBEAT_MS);
      const check = setInterval(() => {
        authenticateById(ctx, principal.tokenId).then(
          (still) => {
            if (!still) res.end();
          },
          () => {},
        );
      }, TOKEN_CHECK_MS);
      req.on("close", () => {
        release();
        unsubscribe();
        clearInterval(poll);
        clearInterval(beat);
        clearInterval(check);
      });
      await pump();
    } catch (err) {
      next(err);
    }
  });
}
