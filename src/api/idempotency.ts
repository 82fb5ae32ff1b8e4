// Idempotency-Key on POST: the first response (2xx or 4xx) is stored per (token, key) and replayed
// for a retry with the same body; the same key with another body is refused (422). A write's answer
// is stored in the write's own commit (services/idempotent-answers.ts), so a crash before the
// answer cannot write twice; an answer that wrote nothing is stored once sent. Concurrent retries of
// one key in this process wait for the first; across replicas the stored row decides afterwards.
// An answer that carries a secret shown once (a token, a webhook's signing secret, a stream ticket;
// the route sets `res.locals.secretInReply`) is never stored: a marker with the created id is, and a
// retry is told so (409) rather than handed the secret again from the database.
import { createHash } from "node:crypto";
import type { RequestHandler } from "express";
import { DomainError, invalid } from "../basics/domain-error.ts";
import type { Principal, ServiceContext } from "../services/context.ts";
import {
  type IdempotencyClaim,
  priorAnswer,
  rememberAnswer,
  withClaim,
  withheldAnswer,
  withheldId,
} from "../services/idempotent-answers.ts";
import { problemOf, sendProblem } from "./problem.ts";

/**
 * `beforeAnswer`: fault injection for crash tests, unset in service (src/main.ts sets it when
 * BERTH_FAULT_KILL_BEFORE_ANSWER=1): called when a keyed POST is about to be answered with a 2xx,
 * that is after its write committed and before anyone heard of it.
 */
export function idempotency(ctx: ServiceContext, beforeAnswer?: () => void): RequestHandler {
  const inFlight = new Map<string, Promise<void>>();
  return async (req, res, next) => {
    const key = req.get("idempotency-key");
    const p = res.locals.principal as Principal | undefined;
    if (req.method !== "POST" || !key || !p) return next();
    if (key.length > 200) {
      return sendProblem(
        res,
        problemOf(
          invalid(
            [{ field: "Idempotency-Key", message: "at most 200 characters" }],
            "Idempotency-Key is too long",
          ),
        ),
      );
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
              new DomainError("idempotency-mismatch", "this Idempotency-Key was used with another request", {
                errors: [{ field: "Idempotency-Key", message: "already used with another request" }],
              }),
            ),
          );
        }
        const withheld = withheldId(prior.body);
        if (withheld) {
          return sendProblem(
            res,
            problemOf(
              new DomainError(
                "conflict",
                "this request already succeeded; its answer held a secret shown once, which is not kept: use the created id, or create another",
                { id: withheld.id, firstStatus: prior.status },
              ),
            ),
            { "Idempotent-Replayed": "true" },
          );
        }
        const isProblem = prior.status >= 400;
        res.status(prior.status).set("Idempotent-Replayed", "true");
        return isProblem
          ? res.type("application/problem+json").send(JSON.stringify(prior.body))
          : res.json(prior.body);
      }
      const claim: IdempotencyClaim = { tokenId: p.tokenId, key, requestHash: hash, stored: false };
      const send = res.send.bind(res);
      res.send = (body: unknown) => {
        if (res.statusCode < 300) beforeAnswer?.();
        // The write stored its answer with itself, in its own commit (services/idempotent-answers.ts).
        if (claim.stored || claim.storedStatus === res.statusCode) return send(body);
        if (res.statusCode < 500 && typeof body === "string") {
          const secret = res.locals.secretInReply === true && res.statusCode < 300;
          const stored = rememberAnswer(ctx, p.tokenId, key, {
            requestHash: hash,
            status: res.statusCode,
            body: secret ? markerFor(body) : body,
          });
          stored.then(
            () => send(body),
            () => send(body),
          );
          return res;
        }
        return send(body);
      };
      withClaim(claim, next);
    } catch (err) {
      next(err);
    }
  };
}

/** What is stored instead of an answer with a secret: only the created resource's id. */
function markerFor(body: string): string {
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(body);
  } catch {}
  return JSON.stringify(withheldAnswer(parsed));
}
