// berth serve: the service (REST API, event stream, scheduling loop). Configuration: docs/rules.md §4.
import type { Command } from "commander";
import { action } from "../client.ts";

export function register(program: Command): void {
  program
    .command("serve")
    .description(
      "Run the Berth service (configured by PORT, DATABASE_URL, BERTH_DATA_DIR, BERTH_ADMIN_TOKEN, BERTH_EXECUTOR, BERTH_RATE_LIMIT)",
    )
    .addHelpText("after", "\nExample:\n  PORT=8080 BERTH_DATA_DIR=./.berth berth serve\n")
    .action(
      action(async () => {
        const { loadConfig } = await import("../../config.ts");
        const { startBerth } = await import("../../main.ts");
        const berth = await startBerth(loadConfig());
        berth.closeOnSignals();
      }),
    );
}
