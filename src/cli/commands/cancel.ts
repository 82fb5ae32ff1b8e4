// berth cancel: cancel a reservation (again on a cancelled one is fine).
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions } from "../client.ts";
import { printJson, printTable } from "../table.ts";

export function register(program: Command): void {
  clientOptions(
    program.command("cancel").description("Cancel a reservation").argument("<id>", "reservation id"),
  )
    .addHelpText("after", "\nExample:\n  berth cancel r-mg4x1a2b3c4d5e\n")
    .action(
      action(async (id: string, o: ClientOptions) => {
        const out = (await new ApiClient(o).request(
          "DELETE",
          `/reservations/${encodeURIComponent(id)}`,
        )) as Record<string, unknown>;
        if (o.json) return printJson(out);
        printTable([out], ["id", "team", "pool", "start", "end", "state"]);
      }),
    );
}
