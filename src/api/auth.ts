// Bearer-token authentication. A short cache of token hash -> principal keeps the database out of
// every request's path; a revoked token stops working within CACHE_MS.
import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { DomainError } from "../basics/domain-error.ts";
import { authenticate } from "../services/access/auth.ts";
import type { Principal, ServiceContext } from "../services/context.ts";
import { problemOf, sendProblem } from "./problem.ts";

const CACHE_MS = 5_000;

export function bearerAuth(
  ctx: ServiceContext,
  consumeTicket: (ticket: string) => Promise<Principal | null>,
): RequestHandler {
  const cache = new Map<
    string,
    { principal: (Principal & { readonly expiresAt: number | null }) | null; until: number }
  >();
  return async (req, res, next) => {
    try {
      const header = req.get("authorization");
      const ticket =
        typeof req.query.ticket === "string" && req.path === "/events" ? req.query.ticket : undefined;
      if (!header && ticket) {
        const p = await consumeTicket(ticket);
        if (!p)
          return sendProblem(
            res,
            problemOf(new DomainError("unauthenticated", "the stream ticket is invalid or expired")),
          );
        res.locals.principal = p;
        return next();
      }
      if (!header) return next();
      const m = /^Bearer\s+(\S+)$/i.exec(header);
      if (!m)
        return sendProblem(
          res,
          problemOf(new DomainError("unauthenticated", "use `Authorization: Bearer <token>`")),
        );
      const key = createHash("sha256").update(m[1]!).digest("hex");
      const now = Date.now();
      let hit = cache.get(key);
      if (!hit || hit.until < now) {
        hit = { principal: await authenticate(ctx, m[1]!), until: now + CACHE_MS };
        if (cache.size > 10_000) cache.clear();
        cache.set(key, hit);
      }
      // The cache lives on the wall clock; expiry is judged on the service's clock.
      const expired = (hit.principal?.expiresAt ?? Number.POSITIVE_INFINITY) <= ctx.clock.now();
      if (!hit.principal || expired)
        return sendProblem(
          res,
          problemOf(new DomainError("unauthenticated", "the token is invalid, revoked or expired")),
        );
      res.locals.principal = hit.principal;
      next();
    } catch (err) {
      next(err);
    }
  };
}
