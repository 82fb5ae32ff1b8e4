// berth availability: the earliest free windows for a shape.
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions, parseCount, parseTime } from "../client.ts";
import { printJson, printTable } from "../table.ts";

interface Options extends ClientOptions {
  pool: string;
  nodes: number;
  gpus: number;
  hours: number;
  after?: string;
  limit: number;
}

export function register(program: Command): void {
  clientOptions(
    program
      .command("availability")
      .description("Find free windows")
      .requiredOption("--pool <name>", "GPU pool")
      .option("--nodes <n>", "nodes", parseCount("nodes"), 1)
      .requiredOption("--gpus <n>", "GPUs per node", parseCount("gpus"))
      .requiredOption("--hours <n>", "length in hours", parseCount("hours"))
      .option("--after <time>", "earliest start (ISO 8601 or +2h)")
      .option("--limit <n>", "how many windows", parseCount("limit"), 5),
  )
    .addHelpText("after", "\nExample:\n  berth availability --pool V100 --gpus 8 --hours 10\n")
    .action(
      action(async (o: Options) => {
        const q = new URLSearchParams({
          pool: o.pool,
          nodes: String(o.nodes),
          gpusPerNode: String(o.gpus),
          duration: String(o.hours * 3600),
          limit: String(o.limit),
        });
        if (o.after) q.set("after", parseTime(o.after));
        const out = (await new ApiClient(o).request("GET", `/availability?${q}`)) as {
          items: Record<string, unknown>[];
        };
        if (o.json) return printJson(out);
        printTable(out.items, ["start", "end", "placement"]);
      }),
    );
}
