// Per-token token bucket (BERTH_RATE_LIMIT requests/s, burst of one second's worth). In memory:
// one replica's view; with several replicas each enforces its own share.
import type { RequestHandler } from "express";
import type { Principal } from "../services/context.ts";
import { PROBLEM_BASE, sendProblem } from "./problem.ts";

/** `now` is the service's clock, so a test that fixes the clock sees the same limit on any machine. */
export function rateLimit(perSecond: number, now: () => number = Date.now): RequestHandler {
  const buckets = new Map<string, { tokens: number; at: number }>();
  const burst = Math.max(1, perSecond);
  return (_req, res, next) => {
    const p = res.locals.principal as Principal | undefined;
    if (perSecond <= 0 || !p) return next();
    const t = now();
    const b = buckets.get(p.tokenId) ?? { tokens: burst, at: t };
    b.tokens = Math.min(burst, b.tokens + ((t - b.at) / 1000) * perSecond);
    b.at = t;
    buckets.set(p.tokenId, b);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return next();
    }
    const retry = Math.max(1, Math.ceil((1 - b.tokens) / perSecond));
    sendProblem(
      res,
      {
        type: `${PROBLEM_BASE}rate-limited`,
        title: "Too many requests",
        status: 429,
        detail: `at most ${perSecond} requests per second per token`,
      },
      { "Retry-After": String(retry) },
    );
  };
}
