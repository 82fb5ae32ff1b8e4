// Idempotency-Key on POST: the first response (2xx or 4xx) is stored per (token, key) and replayed
// for a retry with the same body; the same key with another body is refused. Concurrent retries of
// one key in this process wait for the first; across replicas the stored row decides afterwards.
import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { DomainError } from "../basics/domain-error.ts";
import type { Principal, ServiceContext } from "../services/context.ts";
import { priorAnswer, rememberAnswer } from "../services/idempotent-answers.ts";
import { problemOf, sendProblem } from "./problem.ts";

export function idempotency(ctx: ServiceContext): RequestHandler {
  const inFlight = new Map<string, Promise<void>>();
  return async (req, res, next) => {
    const key = req.get("idempotency-key");
    const p = res.locals.principal as Principal | undefined;
    if (req.method !== "POST" || !key || !p) return next();
    if (key.length > 200) {
      return sendProblem(res, {
        ...problemOf(new DomainError("invalid", "Idempotency-Key is at most 200 characters")),
        status: 400,
        errors: [{ field: "Idempotency-Key", message: "too long" }],
      });
    }
    const slot = `${p.tokenId}\u0000${key}`;
    while (inFlight.has(slot)) await inFlight.get(slot);
    let release!: () => void;
    inFlight.set(slot, new Promise<void>((r) => (release = r)));
    res.on("close", () => {
      inFlight.delete(slot);
      release();
    });
    try {
      const hash = createHash("sha256")
        .update(`${req.method} ${req.originalUrl}\n${JSON.stringify(req.body ?? null)}`)
        .digest("hex");
      const prior = await priorAnswer(ctx, p.tokenId, key);
      if (prior) {
        if (prior.requestHash !== hash) {
          return sendProblem(
            res,
            problemOf(
              new DomainError("idempotency-mismatch", "this Idempotency-Key was used with another request"),
            ),
          );
        }
        const isProblem = prior.status >= 400;
        res.status(prior.status).set("Idempotent-Replayed", "true");
        return isProblem
          ? res.type("application/problem+json").send(JSON.stringify(prior.body))
          : res.json(prior.body);
      }
      const send = res.send.bind(res);
      res.send = (body: unknown) => {
        if (res.statusCode < 500 && typeof body === "string") {
          const stored = rememberAnswer(ctx, p.tokenId, key, {
            requestHash: hash,
            status: res.statusCode,
            body,
          });
          stored.then(
            () => send(body),
            () => send(body),
          );
          return res;
        }
        return send(body);
      };
      next();
    } catch (err) {
      next(err);
    }
  };
}
