// The CA and serving certificate of the admission webhooks, kept in the data directory and reused
// while they still cover the host and have a month left. Keys come from node:crypto (fast, native);
// node-forge builds and signs the X.509 certificates: it is pure JavaScript with no global set-up
// (a WebCrypto-based library we tried needs a process-wide reflect polyfill), maintained, and
// BSD-licensed. The API server trusts the CA through the webhook configurations' caBundle, and
// checks the serving certificate's IP or DNS subject alternative name, never its CN.
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { isIP } from "node:net";
import { join } from "node:path";
import forge from "node-forge";

export interface AdmissionTls {
  readonly caPem: string;
  readonly certPem: string;
  readonly keyPem: string;
}

const DAY_MS = 86_400_000;
const LIFETIME_DAYS = 365;
const RENEW_DAYS = 30;

function rsaKeys() {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return {
    keyPem: privateKey.export({ type: "pkcs1", format: "pem" }).toString(),
    forgePrivate: forge.pki.privateKeyFromPem(privateKey.export({ type: "pkcs1", format: "pem" }).toString()),
    forgePublic: forge.pki.publicKeyFromPem(publicKey.export({ type: "spki", format: "pem" }).toString()),
  };
}

/**
 * A certificate serial from random bytes, as DER wants an INTEGER: positive (the first byte's high
 * bit clear) and minimal (no leading zero byte, which OpenSSL refuses as "illegal padding" when the
 * next byte's high bit is clear). The earlier `"0" + 15 random bytes` broke that rule whenever the
 * first random byte was zero and the second below 0x80: about one certificate in 512.
 */
export function serialNumberHex(random: Buffer): string {
  const bytes = Buffer.from(random);
  bytes[0] = (bytes[0] as number) & 0x7f || 0x01;
  return bytes.toString("hex");
}

function certificate(o: {
  subject: string;
  issuer: string;
  publicKey: forge.pki.PublicKey;
  signer: forge.pki.PrivateKey;
  now: number;
  extensions: object[];
  random: (size: number) => Buffer;
}): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = o.publicKey;
  cert.serialNumber = serialNumberHex(o.random(16));
  cert.validity.notBefore = new Date(o.now - 60_000);
  cert.validity.notAfter = new Date(o.now + LIFETIME_DAYS * DAY_MS);
  cert.setSubject([{ name: "commonName", value: o.subject }]);
  cert.setIssuer([{ name: "commonName", value: o.issuer }]);
  cert.setExtensions(o.extensions);
  cert.sign(o.signer as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  return cert;
}

/** A new CA and a serving certificate for `hosts` (IP addresses or DNS names); `random` draws the serials. */
export function issueAdmissionTls(
  hosts: readonly string[],
  now: number,
  random: (size: number) => Buffer = randomBytes,
): AdmissionTls {
  const ca = rsaKeys();
  const caCert = certificate({
    subject: "berth-admission-ca",
    issuer: "berth-admission-ca",
    publicKey: ca.forgePublic,
    signer: ca.forgePrivate,
    now,
    random,
    extensions: [
      { name: "basicConstraints", cA: true, critical: true },
      { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const leaf = rsaKeys();
  const altNames = hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h }));
  const leafCert = certificate({
    subject: hosts[0] ?? "berth-admission",
    issuer: "berth-admission-ca",
    publicKey: leaf.forgePublic,
    signer: ca.forgePrivate,
    now,
    random,
    extensions: [
      { name: "basicConstraints", cA: false },
      { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
      { name: "extKeyUsage", serverAuth: true },
      { name: "subjectAltName", altNames },
    ],
  });
  return {
    caPem: forge.pki.certificateToPem(caCert),
    certPem: forge.pki.certificateToPem(leafCert),
    keyPem: leaf.keyPem,
  };
}

/** Whether a stored serving certificate still covers every host and has RENEW_DAYS left. */
function stillGood(tls: AdmissionTls, hosts: readonly string[], now: number): boolean {
  try {
    const cert = forge.pki.certificateFromPem(tls.certPem);
    if (cert.validity.notAfter.getTime() - now < RENEW_DAYS * DAY_MS) return false;
    const san = cert.getExtension("subjectAltName") as {
      altNames?: { ip?: string; value?: string }[];
    } | null;
    const names = new Set((san?.altNames ?? []).map((a) => a.ip ?? a.value));
    return hosts.every((h) => names.has(h));
  } catch {
    return false;
  }
}

/** The certificates in `dir/admission/`, made (again) when missing, expiring or for other hosts. */
export async function ensureAdmissionTls(
  dir: string,
  hosts: readonly string[],
  now: number,
): Promise<AdmissionTls> {
  const at = join(dir, "admission");
  const files = { caPem: "ca.crt", certPem: "tls.crt", keyPem: "tls.key" } as const;
  try {
    const [caPem, certPem, keyPem] = await Promise.all(
      Object.values(files).map((f) => readFile(join(at, f), "utf8")),
    );
    const stored = { caPem: caPem!, certPem: certPem!, keyPem: keyPem! };
    if (stillGood(stored, hosts, now)) return stored;
  } catch {
    // none yet: made below
  }
  const tls = issueAdmissionTls(hosts, now);
  await mkdir(at, { recursive: true, mode: 0o700 });
  for (const [k, f] of Object.entries(files))
    await writeFile(join(at, f), tls[k as keyof AdmissionTls], { mode: 0o600 });
  return tls;
}
