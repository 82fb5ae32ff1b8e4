import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../src/config.ts";

describe("configuration from the environment", () => {
  it("defaults to port 8080, PGlite under ./.berth, the auto executor and no rate limit", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      executor: "auto",
      rateLimit: 0,
      adminToken: undefined,
    });
    expect(c.dataDir).toMatch(/\.berth$/);
    expect(Object.isFrozen(c)).toBe(true);
  });

  it("reads every documented variable", () => {
    const c = loadConfig({
      PORT: "9000",
      DATABASE_URL: "postgres://berth@db/berth",
      BERTH_DATA_DIR: "/var/lib/berth",
      BERTH_ADMIN_TOKEN: "a-long-enough-admin-token",
      BERTH_EXECUTOR: "simulated",
      BERTH_RATE_LIMIT: "20",
    });
    expect(c).toMatchObject({
      port: 9000,
      databaseUrl: "postgres://berth@db/berth",
      dataDir: "/var/lib/berth",
      adminToken: "a-long-enough-admin-token",
      executor: "simulated",
      rateLimit: 20,
    });
  });

  it("sends 16 launches at once unless BERTH_APPLY_CONCURRENCY says otherwise (1 to 256)", () => {
    expect(loadConfig({}).applyConcurrency).toBe(16);
    expect(loadConfig({ BERTH_APPLY_CONCURRENCY: "1" }).applyConcurrency).toBe(1);
    expect(() => loadConfig({ BERTH_APPLY_CONCURRENCY: "0" })).toThrow(/BERTH_APPLY_CONCURRENCY/);
  });

  it("treats empty variables as unset", () => {
    expect(loadConfig({ DATABASE_URL: "", PORT: "" })).toMatchObject({ databaseUrl: undefined, port: 8080 });
  });

  it.each([
    ["PORT", "eighty"],
    ["PORT", "70000"],
    ["BERTH_EXECUTOR", "docker"],
    ["BERTH_RATE_LIMIT", "-1"],
    ["BERTH_ADMIN_TOKEN", "short"],
  ])("refuses %s=%s naming the variable", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [name]: value })).toThrow(name);
  });
});
