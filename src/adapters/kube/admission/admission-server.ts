// Berth's admission webhooks over HTTPS (AdmissionReview v1). The API server sends only Jobs
// labelled for Berth (registration.ts selects them), so nothing else ever waits on this server.
// - POST /mutate-jobs: a user's new Job is made suspended (Berth unsuspends it when it admits it).
//   The API server has defaulted `spec.suspend` to false before any webhook sees the Job, so an
//   explicit `suspend: false` cannot be told from none here: both are made suspended, and a later
//   change to false is refused by the validating webhook.
// - POST /validate-jobs: the rules of services/admission/check-kubectl-job.ts.
// Requests from Berth's own identity are allowed unchanged: its Jobs, and its patches that
// unsuspend, pin or suspend a user's Job. The registered webhooks do not even send those
// (registration.ts, matchConditions on the requester); the check here stays for a configuration
// written without them. The namespace's team comes from a watch (namespace-teams.ts), not a read
// per review.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import type { KubectlJobCheck } from "../../../services/ports.ts";
import type { AdmissionTls } from "./certificates.ts";
import { type AdmissionRequest, jobFacts } from "./job-facts.ts";

export interface AdmissionServerOptions {
  readonly tls: AdmissionTls;
  readonly host: string;
  readonly port: number;
  /** Berth's own user name as the API server knows it (its requests pass unchanged). */
  readonly berthUser: string;
  /** The team a namespace belongs to (its berth.dev/team label), or null. */
  readonly teamOf: (namespace: string) => Promise<string | null>;
  readonly check: KubectlJobCheck;
  readonly logger: Logger;
  /** Each review answered: which webhook, and its verdict (metrics). */
  readonly onReview?: (review: AdmissionReviewOutcome) => void;
}

export interface AdmissionReviewOutcome {
  readonly webhook: "mutate" | "validate";
  readonly verdict: "allowed" | "refused" | "error";
  readonly seconds: number;
}

interface Verdict {
  readonly allowed: boolean;
  readonly message?: string;
  readonly patch?: unknown[];
}

const MAX_BODY = 3 * 1024 * 1024;

function answer(uid: string, v: Verdict) {
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: {
      uid,
      allowed: v.allowed,
      ...(v.message ? { status: { code: 403, reason: "Forbidden", message: v.message } } : {}),
      ...(v.patch
        ? { patchType: "JSONPatch", patch: Buffer.from(JSON.stringify(v.patch)).toString("base64") }
        : {}),
    },
  };
}

export async function startAdmissionServer(
  o: AdmissionServerOptions,
): Promise<{ server: Server; port: number }> {
  const review = async (path: string, req: AdmissionRequest): Promise<Verdict> => {
    if (req.userInfo?.username === o.berthUser) return { allowed: true };
    if (path === "/mutate-jobs") {
      if (req.operation !== "CREATE") return { allowed: true };
      return { allowed: true, patch: [{ op: "add", path: "/spec/suspend", value: true }] };
    }
    const facts = jobFacts(req, await o.teamOf(req.namespace ?? ""));
    const refusals = await o.check(facts);
    return refusals.length === 0 ? { allowed: true } : { allowed: false, message: refusals.join("; ") };
  };

  const server = createServer({ cert: o.tls.certPem, key: o.tls.keyPem }, (req, res) => {
    const path = req.url?.split("?")[0] ?? "";
    if (req.method !== "POST" || (path !== "/mutate-jobs" && path !== "/validate-jobs")) {
      res.writeHead(404).end();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) req.destroy();
      else chunks.push(c);
    });
    req.on("end", async () => {
      const started = performance.now();
      const webhook = path === "/mutate-jobs" ? "mutate" : "validate";
      let verdict: AdmissionReviewOutcome["verdict"] = "error";
      let uid = "";
      let body: unknown;
      try {
        const parsed = JSON.parse(Buffer.concat(chunks).toString("utf8")) as { request?: AdmissionRequest };
        if (!parsed.request?.uid) throw new Error("no request in the AdmissionReview");
        uid = parsed.request.uid;
        const v = await review(path, parsed.request);
        verdict = v.allowed ? "allowed" : "refused";
        body = answer(uid, v);
      } catch (err) {
        // Berth cannot decide (its database or the API server did not answer): refuse, saying why,
        // rather than let a labelled Job run unchecked.
        o.logger.warn({ err, path }, "admission review failed");
        body = answer(uid, {
          allowed: false,
          message: `Berth could not check the Job: ${(err as Error).message}`,
        });
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
      o.onReview?.({ webhook, verdict, seconds: (performance.now() - started) / 1000 });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(o.port, o.host, () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}
