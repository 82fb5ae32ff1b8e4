// Sends one webhook delivery: POST JSON, signed with the webhook's secret so receivers can check
// origin and freshness: `Berth-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`.
import { createHmac } from "node:crypto";

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

export const fetchWebhookSender: WebhookSender = async (post) => {
  try {
    const res = await fetch(post.url, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": "berth-webhooks/1",
        "berth-event": post.eventType,
        "berth-delivery": post.eventId,
        "berth-signature": signature(post.secret, post.nowSeconds, post.body),
      },
      body: post.body,
      signal: AbortSignal.timeout(post.timeoutMs ?? 10_000),
      redirect: "manual",
    });
    await res.body?.cancel();
    return res.status >= 200 && res.status < 300
      ? { ok: true, status: res.status }
      : { ok: false, status: res.status };
  } catch (err) {
    return { ok: false, error: (err as Error).message };
  }
};
