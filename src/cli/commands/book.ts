// berth book: reserve GPUs (or --dry-run to see the placement and whom it would displace).
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions, parseCount, parseTime } from "../client.ts";
import { printJson, printTable } from "../table.ts";

interface Options extends ClientOptions {
  pool: string;
  nodes: number;
  gpus: number;
  start: string;
  end?: string;
  hours?: number;
  priority: string;
  title?: string;
  team?: string;
  dryRun?: boolean;
}

export function register(program: Command): void {
  clientOptions(
    program
      .command("book")
      .description("Book GPU slots")
      .requiredOption("--pool <name>", "GPU pool, e.g. V100")
      .option("--nodes <n>", "number of nodes", parseCount("nodes"), 1)
      .requiredOption("--gpus <n>", "GPUs per node", parseCount("gpus"))
      .requiredOption("--start <time>", "ISO 8601 UTC, now, +30m, +2h, +1d")
      .option("--end <time>", "ISO 8601 UTC or relative to now")
      .option("--hours <n>", "length in hours (instead of --end)", parseCount("hours"))
      .option("--priority <p>", "critical|high|normal|low|best-effort", "normal")
      .option("--title <text>", "what it is for")
      .option("--team <name>", "book for this team (admins)")
      .option("--dry-run", "say what would happen without holding anything"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  berth book --pool V100 --gpus 8 --start 2026-12-01T20:00:00Z --hours 10 --priority high\n",
    )
    .action(
      action(async (o: Options) => {
        const start = parseTime(o.start);
        if (!o.end && !o.hours) throw new Error("give --end or --hours");
        const end = o.end
          ? parseTime(o.end)
          : new Date(Date.parse(start) + o.hours! * 3_600_000).toISOString();
        const body = {
          pool: o.pool,
          nodes: o.nodes,
          gpusPerNode: o.gpus,
          start,
          end,
          priority: o.priority,
          ...(o.title ? { title: o.title } : {}),
          ...(o.team ? { team: o.team } : {}),
        };
        const client = new ApiClient(o);
        const out = (await client.request(
          "POST",
          `/reservations${o.dryRun ? "?dryRun=true" : ""}`,
          body,
        )) as Record<string, unknown>;
        if (o.json) return printJson(out);
        if (o.dryRun) {
          process.stdout.write(`would book: ${JSON.stringify(out.placement)}\n`);
          process.stdout.write(`would displace: ${(out.displaces as string[]).join(", ") || "nobody"}\n`);
          return;
        }
        printTable(
          [out],
          ["id", "team", "pool", "nodes", "gpusPerNode", "start", "end", "priority", "state", "displaced"],
        );
      }),
    );
}
