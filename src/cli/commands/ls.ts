// berth ls: list reservations (every team's; filters narrow it).
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions, parseCount } from "../client.ts";
import { printJson, printTable } from "../table.ts";

interface Options extends ClientOptions {
  team?: string;
  pool?: string;
  state?: string;
  limit: number;
  all?: boolean;
}

export function register(program: Command): void {
  clientOptions(
    program
      .command("ls")
      .description("List reservations")
      .option("--team <name>", "only this team's")
      .option("--pool <name>", "only this pool's")
      .option("--state <state>", "confirmed|active|completed|cancelled|displaced|released")
      .option("--limit <n>", "page size", parseCount("limit"), 100)
      .option("--all", "follow cursors to the end"),
  )
    .addHelpText("after", "\nExample:\n  berth ls --team vision --state active\n")
    .action(
      action(async (o: Options) => {
        const client = new ApiClient(o);
        const items: Record<string, unknown>[] = [];
        let cursor: string | undefined;
        do {
          const q = new URLSearchParams({ limit: String(o.limit) });
          if (o.team) q.set("team", o.team);
          if (o.pool) q.set("pool", o.pool);
          if (o.state) q.set("state", o.state);
          if (cursor) q.set("cursor", cursor);
          const page = (await client.request("GET", `/reservations?${q}`)) as {
            items: Record<string, unknown>[];
            nextCursor?: string;
          };
          items.push(...page.items);
          cursor = o.all ? page.nextCursor : undefined;
        } while (cursor);
        if (o.json) return printJson({ items });
        printTable(items, [
          "id",
          "team",
          "pool",
          "nodes",
          "gpusPerNode",
          "start",
          "end",
          "priority",
          "state",
          "title",
        ]);
      }),
    );
}
