// berth submit: submit a job (train, validate, external), on a reservation or opportunistic.
import { readFile } from "node:fs/promises";
import type { Command } from "commander";
import { ApiClient, action, CliError, type ClientOptions, clientOptions, parseCount } from "../client.ts";
import { printJson, printTable } from "../table.ts";

interface Options extends ClientOptions {
  kind: string;
  pool: string;
  gpus: number;
  priority?: string;
  reservation?: string;
  team?: string;
  spec?: string;
  image?: string;
}

export function register(program: Command): void {
  clientOptions(
    program
      .command("submit")
      .description("Submit a job")
      .option("--kind <kind>", "train|validate|external", "train")
      .requiredOption("--pool <name>", "GPU pool")
      .requiredOption("--gpus <n>", "GPUs", parseCount("gpus"))
      .option("--priority <p>", "priority (default: the reservation's, else normal)")
      .option("--reservation <id>", "run on this reservation's slots")
      .option("--team <name>", "submit for this team (admins)")
      .option("--spec <file>", "JSON file with the job's spec")
      .option("--image <ref>", "the spec's image (an external job's container, a train job's trainer)"),
  )
    .addHelpText(
      "after",
      "\nExample:\n  berth submit --kind train --pool V100 --gpus 8 --reservation r-mg4x1a2b3c --spec train.json\n",
    )
    .action(
      action(async (o: Options) => {
        let spec: unknown = {};
        if (o.spec) {
          const text = await readFile(o.spec, "utf8").catch(() => {
            throw new CliError(`cannot read ${o.spec}`);
          });
          try {
            spec = JSON.parse(text);
          } catch {
            throw new CliError(`${o.spec} is not valid JSON`);
          }
        }
        const body = {
          kind: o.kind,
          pool: o.pool,
          gpus: o.gpus,
          spec: o.image ? { ...(spec as object), image: o.image } : spec,
          ...(o.priority ? { priority: o.priority } : {}),
          ...(o.reservation ? { reservation: o.reservation } : {}),
          ...(o.team ? { team: o.team } : {}),
        };
        const out = (await new ApiClient(o).request("POST", "/jobs", body)) as Record<string, unknown>;
        if (o.json) return printJson(out);
        printTable([out], ["id", "kind", "team", "pool", "gpus", "priority", "reservation", "state"]);
      }),
    );
}
