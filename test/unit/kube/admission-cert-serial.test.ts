// The admission certificates' serial numbers, whatever the random bytes drawn: OpenSSL (the API
// server's Go TLS is as strict) refuses an INTEGER with a needless leading zero byte, so a serial
// drawn as 00 followed by a byte below 0x80 once made `berth admission-cert` print a CA that no
// client could read (seen as a rare failure of admission-cert.test.ts).
import { X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { issueAdmissionTls, serialNumberHex } from "../../../src/adapters/kube/admission/certificates.ts";

const filled = (first: number[], fill: number) => (size: number) =>
  Buffer.from([...first, ...Array<number>(size - first.length).fill(fill)]);

describe("admission certificate serials", () => {
  it.each([
    ["00 00 …", filled([0x00, 0x00], 0x11)],
    ["00 7f …", filled([0x00, 0x7f], 0x22)],
    ["00 80 …", filled([0x00, 0x80], 0x33)],
    ["80 …", filled([0x80], 0x44)],
    ["ff ff …", filled([0xff, 0xff], 0xff)],
  ])("makes a CA and a serving certificate OpenSSL reads when the bytes drawn are %s", (_, random) => {
    const tls = issueAdmissionTls(["127.0.0.1"], Date.UTC(2026, 11, 5), random);
    const ca = new X509Certificate(tls.caPem);
    const leaf = new X509Certificate(tls.certPem);
    expect(leaf.checkIssued(ca)).toBe(true);
    expect(leaf.verify(ca.publicKey)).toBe(true);
    for (const cert of [ca, leaf]) expect(cert.serialNumber).toMatch(/^[0-7][0-9A-F]{31}$/);
  });

  it("keeps a serial positive and minimal: first byte 01-7f, 16 bytes", () => {
    for (let b = 0; b < 256; b++) {
      const hex = serialNumberHex(Buffer.from([b, 0x00, ...Array<number>(14).fill(0x5a)]));
      expect(hex).toHaveLength(32);
      const first = Number.parseInt(hex.slice(0, 2), 16);
      expect(first).toBeGreaterThanOrEqual(1);
      expect(first).toBeLessThanOrEqual(0x7f);
    }
  });
});
