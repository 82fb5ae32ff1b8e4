// berth migrate: apply pending migrations to DATABASE_URL (or the embedded PGlite) and exit.
import type { Command } from "commander";
import { action } from "../client.ts";
import { printJson } from "../table.ts";

export function register(program: Command): void {
  program
    .command("migrate")
    .description("Apply pending database migrations (also done by `berth serve` at start-up)")
    .option("--json", "machine-readable output")
    .addHelpText("after", "\nExample:\n  DATABASE_URL=postgres://berth@db/berth berth migrate\n")
    .action(
      action(async (o: { json?: boolean }) => {
        // Loaded here, not at the top: `berth --help` must not pay for the database drivers.
        const { loadConfig } = await import("../../config.ts");
        const { openDatabase } = await import("../../adapters/db/connect.ts");
        const { migrate } = await import("../../adapters/db/migrate.ts");
        const config = loadConfig();
        const handle = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
        try {
          const result = await migrate(handle.db);
          if (o.json) return printJson({ database: handle.kind, ...result });
          process.stdout.write(
            `${handle.kind} ${handle.where}: applied ${result.applied.length} (${result.applied.join(", ") || "none"}), ${result.alreadyApplied.length} already applied\n`,
          );
        } finally {
          await handle.close();
        }
      }),
    );
}
