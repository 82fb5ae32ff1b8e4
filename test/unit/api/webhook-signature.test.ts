import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { signature } from "../../../src/adapters/http/webhook-sender.ts";
import { backoffMs } from "../../../src/services/notify/webhook-dispatcher.ts";

describe("webhook signing and retries", () => {
  it("signs `<t>.<body>` with HMAC-SHA256 under the webhook's secret", () => {
    const body = '{"type":"reservation.created"}';
    const want = createHmac("sha256", "whsec_x").update(`1700000000.${body}`).digest("hex");
    expect(signature("whsec_x", 1_700_000_000, body)).toBe(`t=1700000000,v1=${want}`);
    expect(signature("whsec_y", 1_700_000_000, body)).not.toBe(signature("whsec_x", 1_700_000_000, body));
  });

  it("backs off exponentially from 2 s and caps at one hour", () => {
    expect([1, 2, 3, 4].map(backoffMs)).toEqual([2000, 4000, 8000, 16000]);
    expect(backoffMs(30)).toBe(3_600_000);
  });
});
