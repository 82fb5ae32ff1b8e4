// Throwaway PKI for one test cluster, made with the openssl CLI (Node's crypto cannot issue X.509
// certificates): a CA, the API server's serving certificate, a client certificate per component
// identity, and the service-account signing key pair. EC P-256 keys: fast to generate on 2 cores.
import { execFile } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface ClientIdentity {
  /** File stem, e.g. "admin" → admin.crt/admin.key. */
  file: string;
  user: string;
  groups: string[];
}

export interface Pki {
  dir: string;
  caCert: string;
  caKey: string;
  serverCert: string;
  serverKey: string;
  saKey: string;
  saPub: string;
  client(file: string): { cert: string; key: string };
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === "ENOENT") throw new Error("cluster:up needs the openssl command to make certificates");
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

async function newKey(path: string): Promise<void> {
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", path]);
}

/** Issues a leaf certificate signed by the CA; `extensions` are openssl x509v3 config lines. */
async function issue(dir: string, stem: string, subject: string, extensions: string[]): Promise<void> {
  const key = join(dir, `${stem}.key`);
  const csr = join(dir, `${stem}.csr`);
  const ext = join(dir, `${stem}.ext`);
  await newKey(key);
  await openssl(["req", "-new", "-key", key, "-subj", subject, "-out", csr]);
  await writeFile(ext, `${extensions.join("\n")}\n`);
  await openssl([
    ...["x509", "-req", "-in", csr, "-CA", join(dir, "ca.crt"), "-CAkey", join(dir, "ca.key")],
    ...["-set_serial", `0x${crypto.randomUUID().replaceAll("-", "")}`, "-days", "30", "-sha256"],
    ...["-extfile", ext, "-out", join(dir, `${stem}.crt`)],
  ]);
}

export async function createPki(dir: string, clients: readonly ClientIdentity[]): Promise<Pki> {
  await newKey(join(dir, "ca.key"));
  await openssl([
    ...["req", "-x509", "-new", "-key", join(dir, "ca.key"), "-subj", "/CN=berth-test-cluster-ca"],
    ...["-days", "30", "-sha256", "-out", join(dir, "ca.crt")],
    ...["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"],
  ]);
  const leaf = ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature"];
  const serverNames = [
    "IP:127.0.0.1",
    "IP:10.96.0.1",
    "DNS:localhost",
    "DNS:kubernetes",
    "DNS:kubernetes.default",
    "DNS:kubernetes.default.svc",
    "DNS:kubernetes.default.svc.cluster.local",
  ];
  const jobs = [
    issue(dir, "apiserver", "/CN=kube-apiserver", [
      ...leaf,
      "extendedKeyUsage=serverAuth",
      `subjectAltName=${serverNames.join(",")}`,
    ]),
    ...clients.map((c) =>
      issue(dir, c.file, `${c.groups.map((g) => `/O=${g}`).join("")}/CN=${c.user}`, [
        ...leaf,
        "extendedKeyUsage=clientAuth",
      ]),
    ),
  ];
  await Promise.all(jobs);
  await newKey(join(dir, "sa.key"));
  await openssl(["pkey", "-in", join(dir, "sa.key"), "-pubout", "-out", join(dir, "sa.pub")]);
  return {
    dir,
    caCert: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    serverCert: join(dir, "apiserver.crt"),
    serverKey: join(dir, "apiserver.key"),
    saKey: join(dir, "sa.key"),
    saPub: join(dir, "sa.pub"),
    client: (file) => ({ cert: join(dir, `${file}.crt`), key: join(dir, `${file}.key`) }),
  };
}
