// Files that hold secrets or every team's data are the owner's alone: PGlite's directory 0700, the
// generated admin token and secret key 0600, also when an older Berth left the directory open.

import { mkdir, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "../../../src/adapters/db/connect.ts";
import { migrate } from "../../../src/adapters/db/migrate.ts";
import { DEFAULT_BOOKING_RULES } from "../../../src/core/index.ts";
import { bootstrapAdmin } from "../../../src/services/access/auth.ts";
import { loadSecretKey } from "../../../src/services/access/secret-key.ts";
import { createBookingState } from "../../../src/services/booking/booking-state.ts";

const mode = async (p: string) => (await stat(p)).mode & 0o777;

describe("the embedded data directory", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const d of dirs) await rm(d, { recursive: true, force: true });
  });

  it("is created 0700, with the admin token and the secret key 0600", async () => {
    const root = await mkdtemp(join(tmpdir(), "berth-modes-"));
    dirs.push(root);
    const dataDir = join(root, "data");
    const handle = await openDatabase({ dataDir });
    try {
      await migrate(handle.db);
      const ctx = {
        db: handle.db,
        dbKind: handle.kind,
        clock: { now: () => Date.now() },
        rules: DEFAULT_BOOKING_RULES,
        logger: pino({ level: "silent" }),
        changed: () => {},
        booking: createBookingState(),
      };
      await bootstrapAdmin(ctx, { adminToken: undefined, dataDir });
    } finally {
      await handle.close();
    }
    const key = await loadSecretKey({ secretKey: undefined, dataDir });
    expect(key.source).toBe("file");
    expect(await mode(dataDir)).toBe(0o700);
    expect(await mode(join(dataDir, "pglite"))).toBe(0o700);
    expect(await mode(join(dataDir, "admin-token"))).toBe(0o600);
    expect(await mode(join(dataDir, "secret-key"))).toBe(0o600);
    // The same key on the next start.
    expect((await loadSecretKey({ secretKey: undefined, dataDir })).key).toEqual(key.key);
  });

  it("closes a directory an older Berth left world-readable", async () => {
    const root = await mkdtemp(join(tmpdir(), "berth-modes-"));
    dirs.push(root);
    const dataDir = join(root, "data");
    await mkdir(join(dataDir, "pglite"), { recursive: true, mode: 0o755 });
    const handle = await openDatabase({ dataDir });
    await handle.close();
    expect(await mode(dataDir)).toBe(0o700);
    expect(await mode(join(dataDir, "pglite"))).toBe(0o700);
  });
});
