// berth jobs: list jobs, or show / cancel one.
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions, parseCount } from "../client.ts";
import { printJson, printTable } from "../table.ts";

interface Options extends ClientOptions {
  team?: string;
  state?: string;
  reservation?: string;
  limit: number;
  cancel?: boolean;
}

const COLUMNS = ["id", "kind", "team", "pool", "gpus", "priority", "reservation", "state", "attempts"];

export function register(program: Command): void {
  clientOptions(
    program
      .command("jobs")
      .description("List jobs, or show one (with --cancel, cancel it)")
      .argument("[id]", "a job id")
      .option("--team <name>", "only this team's")
      .option("--state <state>", "queued|admitted|running|succeeded|failed|cancelled")
      .option("--reservation <id>", "only jobs of this reservation")
      .option("--limit <n>", "page size", parseCount("limit"), 100)
      .option("--cancel", "cancel the job given by id"),
  )
    .addHelpText("after", "\nExamples:\n  berth jobs --state running\n  berth jobs j-mg4x1a2b3c --cancel\n")
    .action(
      action(async (id: string | undefined, o: Options) => {
        const client = new ApiClient(o);
        if (id) {
          const out = (await client.request(
            o.cancel ? "DELETE" : "GET",
            `/jobs/${encodeURIComponent(id)}`,
          )) as Record<string, unknown>;
          return o.json ? printJson(out) : printTable([out], COLUMNS);
        }
        if (o.cancel) throw new Error("--cancel needs a job id");
        const q = new URLSearchParams({ limit: String(o.limit) });
        if (o.team) q.set("team", o.team);
        if (o.state) q.set("state", o.state);
        if (o.reservation) q.set("reservation", o.reservation);
        const out = (await client.request("GET", `/jobs?${q}`)) as { items: Record<string, unknown>[] };
        if (o.json) return printJson(out);
        printTable(out.items, COLUMNS);
      }),
    );
}
