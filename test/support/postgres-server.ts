// A throwaway PostgreSQL cluster for the integration tests: initdb + pg_ctl from Debian's
// postgresql package into a temp dir, on a free loopback port. As root (CI containers), the server
// runs as the `postgres` user, because initdb refuses to run as root.
import { execFile } from "node:child_process";
import { chmod, chown, mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

export interface PostgresServer {
  /** Connection URL of the `postgres` database, as superuser. */
  readonly url: string;
  stop(): Promise<void>;
}

async function findBinDir(): Promise<string> {
  for (const v of ["17", "16", "15"]) {
    const dir = `/usr/lib/postgresql/${v}/bin`;
    try {
      await run(join(dir, "initdb"), ["--version"]);
      return dir;
    } catch {}
  }
  throw new Error(
    "no PostgreSQL server binaries under /usr/lib/postgresql/*/bin: run scripts/setup-test-deps.sh",
  );
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

/** Test databases still present at the end of a run: those test/support/database.ts kept. */
async function keptTestDatabases(url: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>(
      "SELECT datname FROM pg_database WHERE datname LIKE 'berth\\_test\\_%'",
    );
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

export async function startPostgres(): Promise<PostgresServer> {
  const bin = await findBinDir();
  const base = await mkdtemp(join(tmpdir(), "berth-pg-"));
  const dataDir = join(base, "data");
  const asRoot = process.getuid?.() === 0;
  const as = async (cmd: string, args: string[]) => {
    if (asRoot) return run("runuser", ["-u", "postgres", "--", join(bin, cmd), ...args]);
    return run(join(bin, cmd), args);
  };
  if (asRoot) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    await chown(base, Number(stdout.trim()), Number(gid.trim()));
  }
  await chmod(base, 0o700);
  await as("initdb", ["-D", dataDir, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8"]);
  const port = await freePort();
  // fsync off and a socket dir inside the temp dir: a disposable cluster that starts fast and
  // touches nothing of the machine's own PostgreSQL.
  const opts = `-p ${port} -k ${base} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300`;
  await as("pg_ctl", ["-D", dataDir, "-l", join(base, "log"), "-o", opts, "-w", "start"]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    async stop() {
      const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
      const kept = await keptTestDatabases(url).catch(() => []);
      await as("pg_ctl", ["-D", dataDir, "-m", "immediate", "-w", "stop"]).catch(() => {});
      if (kept.length === 0) {
        await rm(base, { recursive: true, force: true });
        return;
      }
      // test/support/database.ts keeps a failed file's database: keep the cluster that holds it.
      console.warn(
        `kept PostgreSQL data for ${kept.join(", ")}: start it with\n  ${asRoot ? "runuser -u postgres -- " : ""}${join(bin, "pg_ctl")} -D ${dataDir} -o "${opts}" start`,
      );
    },
  };
}
