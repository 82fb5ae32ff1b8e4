// Sends one webhook delivery: POST JSON, signed with the webhook's secret so receivers can check
// origin and freshness: `Berth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
import { createHmac } from "node:crypto";
import { request as httpRequest, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";
import { WebhookTargetPolicy } from "./webhook-target.ts";

export interface WebhookPost {
  readonly url: string;
  readonly secret: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly body: string;
  readonly nowSeconds: number;
  /** The send is abandoned after this long (default 10 s). */
  readonly timeoutMs?: number;
}

export function signature(secret: string, t: number, body: string): string {
  return `t=${t},v1=${createHmac("sha256", secret).update(`${t}.${body}`).digest("hex")}`;
}

export type WebhookSender = (post: WebhookPost) => Promise<{ ok: boolean; status?: number; error?: string }>;

/**
 * Sends to the address the policy checked: the name is resolved once (WebhookTargetPolicy.resolve),
 * and the connection's own lookup answers with that address, so a name that changes its answer
 * between the check and the connection (DNS rebinding) cannot move the request inside. TLS still
 * verifies the certificate against the URL's host name. No redirects are followed.
 */
export function webhookSender(policy: WebhookTargetPolicy, timeoutMs = 10_000): WebhookSender {
  return async (post) => {
    const target = await policy.resolve(post.url);
    if (!target.ok) return { ok: false, error: `target refused: ${target.reason}` };
    const pinned = ((_host: string, options: { all?: boolean }, cb: (...a: unknown[]) => void) => {
      if (options.all) cb(null, [{ address: target.address, family: target.family }]);
      else cb(null, target.address, target.family);
    }) as unknown as RequestOptions["lookup"];
    const request = target.url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve) => {
      const req = request(
        target.url,
        {
          method: "POST",
          agent: false,
          lookup: pinned,
          signal: AbortSignal.timeout(post.timeoutMs ?? timeoutMs),
          headers: {
            "content-type": "application/json",
            "content-length": Buffer.byteLength(post.body),
            "user-agent": "berth-webhooks/1",
            "berth-event": post.eventType,
            "berth-delivery": post.eventId,
            "berth-signature": signature(post.secret, post.nowSeconds, post.body),
          },
        },
        (res) => {
          const status = res.statusCode ?? 0;
          res.resume();
          resolve(status >= 200 && status < 300 ? { ok: true, status } : { ok: false, status });
        },
      );
      req.on("error", (err) => resolve({ ok: false, error: err.message }));
      req.end(post.body);
    });
  };
}

/** The sender with no range allowed beyond the public internet. */
export const fetchWebhookSender: WebhookSender = webhookSender(new WebhookTargetPolicy());
