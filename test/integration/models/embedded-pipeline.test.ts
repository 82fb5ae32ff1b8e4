// The newcomer's walk through embedded mode, on `berth serve` as a child process (PGlite, the
// simulated cluster) and the `berth` command: register the shipped small detector, ask Berth for
// its A/B check, which runs `berth validate` for real as a local CPU process, read the report,
// promote FP32, and see FP16 refused because CPU FP16 is emulated.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { berthCli } from "../../support/berth-cli.ts";
import { type BerthProcess, startBerthProcess } from "../../support/berth-process.ts";

const ADMIN = "embedded-admin-token-0123456789";
const FIXTURES = "test/fixtures/yolo";

describe("embedded mode end to end", () => {
  let server: BerthProcess;
  const berth = berthCli(() => ({ BERTH_URL: server.url, BERTH_TOKEN: ADMIN }));
  beforeAll(async () => {
    server = await startBerthProcess({
      BERTH_DATA_DIR: mkdtempSync(join(tmpdir(), "berth-embedded-")),
      BERTH_ADMIN_TOKEN: ADMIN,
    });
    const team = await fetch(`${server.url}/api/v1/teams`, {
      method: "POST",
      headers: { authorization: `Bearer ${ADMIN}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "vision" }),
    });
    expect(team.status).toBe(201);
  });
  afterAll(async () => server.kill("SIGTERM"));

  it("registers, checks, reads the report, promotes fp32 and is refused fp16 with the reason", async () => {
    const registered = await berth(
      "models",
      "--team",
      "vision",
      "--name",
      "shapes",
      "--version",
      "1",
      "--fp32",
      `${FIXTURES}/shapes-v8-fp32.onnx`,
      "--fp16",
      `${FIXTURES}/shapes-v8-fp16.onnx`,
      "--json",
    );
    expect(registered.stderr).toBe("");
    const model = JSON.parse(registered.stdout).id as string;

    const checked = await berth(
      "abcheck",
      model,
      "--data",
      `${FIXTURES}/val`,
      "--wait",
      "--timeout",
      "300",
      "--json",
    );
    expect(checked.stderr).toBe("");
    const check = JSON.parse(checked.stdout);
    expect(check).toMatchObject({
      model,
      state: "passed",
      unlocksFp16: false,
      fp16Arithmetic: "emulated-on-cpu",
    });
    expect(check.report).toMatchObject({ images: 520, provider: "cpu", fp16Arithmetic: "emulated-on-cpu" });
    expect(check.report.fp32.map5095).toBeGreaterThan(0.2);
    expect(check.report.fp16.peakMemoryMB).toBeGreaterThan(0);
    const shown = await berth("abcheck", check.id);
    expect(shown.stdout).toMatch(/PASSED on pool \S+ .* on 520 images \(cpu\)/);
    expect(shown.stdout).toMatch(/unlocks fp16: no/);

    const fp32 = await berth(
      "promote",
      model,
      "--precision",
      "fp32",
      "--pool",
      check.pool,
      "--batch-size",
      "4",
    );
    expect(fp32.code).toBe(0);
    expect(fp32.stdout).toMatch(/"precision":"fp32","batch_size":4/);
    const fp16 = await berth("promote", model, "--precision", "fp16", "--pool", check.pool);
    expect(fp16.code).toBe(1);
    expect(fp16.stderr).toMatch(/409 promotion-refused: .*CPU provider.*cannot unlock fp16/);
    const config = JSON.parse((await berth("promote", model, "--show", "--pool", check.pool)).stdout);
    expect(config.inference).toEqual({ precision: "fp32", batch_size: 4, use_tensorrt: false });
  });
});
