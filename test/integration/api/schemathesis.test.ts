// An outside fuzzer against the real server: schemathesis (pinned in the test venv by
// scripts/setup-test-deps.sh) reads /openapi.json of an embedded `berth serve` (PGlite, simulated
// executor) and runs every check, in every phase, with a fixed seed and a bounded number of examples
// per operation, so the run is repeatable and fits CI. Any finding or warning fails the test and its
// report is printed. The server is seeded first so valid requests reach real objects; the settings
// that depart from schemathesis' defaults, the seed and the hooks are explained in
// test/schemathesis/README.md.
import { execFile } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedForSchemathesis } from "../../schemathesis/seed.ts";
import { type BerthProcess, startBerthProcess } from "../../support/berth-process.ts";
import { PYVENV } from "../abcheck/python-venv.ts";

const ADMIN = "schemathesis-admin-token-0123456789abcdef";
const CONFIG = resolve("test/schemathesis/schemathesis.toml");
const HOOKS_DIR = resolve("test/schemathesis");
/** Examples per operation and phase: enough to reach every check, small enough for CI. */
const EXAMPLES = 5;

describe("schemathesis against berth serve", () => {
  let berth: BerthProcess;
  let dir: string;
  let seeded: Record<string, string>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "berth-schemathesis-"));
    berth = await startBerthProcess({
      BERTH_DATA_DIR: join(dir, "data"),
      BERTH_ADMIN_TOKEN: ADMIN,
      // The seeded webhook's target: a closed port on loopback (its deliveries fail, harmlessly).
      BERTH_WEBHOOK_ALLOW: "127.0.0.0/8",
    });
    seeded = await seedForSchemathesis(berth.url, ADMIN);
  });
  afterAll(async () => {
    await berth?.kill("SIGKILL");
    await rm(dir, { recursive: true, force: true });
  });

  it("finds nothing with every check", { timeout: 900_000 }, async () => {
    const cli = join(PYVENV, "bin", "schemathesis");
    if (!existsSync(cli)) throw new Error(`schemathesis missing at ${cli}: run scripts/setup-test-deps.sh`);
    const args = [
      "--config-file",
      CONFIG,
      "run",
      `${berth.url}/openapi.json`,
      "--checks",
      "all",
      "-H",
      `Authorization: Bearer ${ADMIN}`,
      "--seed",
      "1",
      "--max-examples",
      String(EXAMPLES),
      "--generation-database",
      "none",
      "--workers",
      "1",
      "--request-timeout",
      "30",
      "--no-color",
      // The event stream never ends, so every case of it would only wait out the request timeout
      // (most of this test's time); its cursor rules are covered by test/integration/notify/.
      "--exclude-path-regex",
      "/events$",
    ];
    const out = await new Promise<{ code: number; text: string }>((done) => {
      // Its working directory is a scratch one: schemathesis writes a state directory where it runs.
      execFile(
        cli,
        args,
        {
          cwd: dir,
          maxBuffer: 64 * 1024 * 1024,
          // The hooks set the state-dependent fields of valid requests (test/schemathesis/berth_hooks.py).
          env: {
            ...process.env,
            ...seeded,
            SCHEMATHESIS_HOOKS: "berth_hooks",
            PYTHONPATH: HOOKS_DIR,
            PYTHONDONTWRITEBYTECODE: "1",
          },
        },
        (err, stdout, stderr) =>
          done({ code: err ? ((err as { code?: number }).code ?? 1) : 0, text: `${stdout}${stderr}` }),
      );
    });
    if (out.code !== 0) console.log(out.text);
    // Exit code 0 and a summary that counts no failure, error or warning: a warning says valid
    // requests never reached the code behind an operation (only 404s, or only refusals).
    expect(out.text).not.toMatch(/\b\d+ (failures?|errors?|warnings?)\b/);
    expect(out.text).toMatch(/No issues found/);
    expect(out.code).toBe(0);
  });
});
