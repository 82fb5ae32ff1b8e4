import { describe, expect, it } from "vitest";
import { WebhookTargetPolicy } from "../../../src/adapters/http/webhook-target.ts";

describe("where webhooks may go", () => {
  const policy = new WebhookTargetPolicy();
  it.each([
    "http://127.0.0.1:8080/x",
    "http://127.1/",
    "http://2130706433/",
    "http://0x7f000001/",
    "http://0177.0.0.1/",
    "http://0x7f.0.0.1/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/",
    "http://172.16.3.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::ffff:127.0.0.1]/",
    "http://[::ffff:a9fe:a9fe]/",
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[64:ff9b::7f00:1]/",
    "http://[2002:7f00:1::]/",
    "http://user:pw@hooks.example.com/",
    "http://user@hooks.example.com/",
    "ftp://hooks.example.com/",
  ])("refuses %s by its form", (url) => {
    expect(policy.checkUrl(url).ok).toBe(false);
  });

  it.each([
    "http://kubernetes.default.svc/api",
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://localhost:8080/",
    "http://berth.local/",
    "http://intranet/",
  ])("refuses %s at registration: a name that can only be internal", async (url) => {
    expect((await policy.checkRegistration(url)).ok).toBe(false);
  });

  it.each(["https://93.184.215.14/hook", "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/"])(
    "accepts %s, a public address",
    (url) => {
      expect(policy.checkUrl(url).ok).toBe(true);
    },
  );

  it("accepts an allowed range for on-premises receivers, and nothing more", () => {
    const onPrem = new WebhookTargetPolicy(["10.0.0.0/8", "fd00::/8"]);
    expect(onPrem.checkUrl("http://10.2.3.4/hook").ok).toBe(true);
    expect(onPrem.checkUrl("http://[fd00::5]/hook").ok).toBe(true);
    expect(onPrem.checkUrl("http://127.0.0.1/hook").ok).toBe(false);
    expect(onPrem.checkUrl("http://169.254.169.254/").ok).toBe(false);
  });

  it("pins a literal address as the one to connect to", async () => {
    const r = await new WebhookTargetPolicy(["127.0.0.0/8"]).resolve("http://127.0.0.1:9/x");
    expect(r).toMatchObject({ ok: true, address: "127.0.0.1", family: 4 });
  });
});
