// berth models: list model versions, show one with its A/B checks, or register one (--fp32).
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions } from "../client.ts";
import { pathForServer } from "../local-path.ts";
import { printJson, printTable } from "../table.ts";

interface Options extends ClientOptions {
  team?: string;
  name?: string;
  version?: string;
  fp32?: string;
  fp16?: string;
}

const COLUMNS = ["id", "team", "name", "version", "state", "inference", "servingPool"];
const CHECK_COLUMNS = ["id", "state", "pool", "unlocksFp16", "createdAt"];

export function register(program: Command): void {
  clientOptions(
    program
      .command("models")
      .description("List model versions, show one with its A/B checks, or register one (--fp32)")
      .argument("[id]", "a model id")
      .option("--team <name>", "list this team's; register for this team (admins)")
      .option("--name <name>", "register: the model's name")
      .option("--version <version>", "register: its version")
      .option("--fp32 <path>", "register: the FP32 ONNX export (a local path in embedded mode)")
      .option("--fp16 <path>", "register: the FP16 ONNX export of the same weights"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  berth models --team vision --name shapes --version 1 --fp32 best-fp32.onnx --fp16 best-fp16.onnx\n  berth models\n  berth models m-mg4x1a2b3c\n",
    )
    .action(
      action(async (id: string | undefined, o: Options) => {
        const client = new ApiClient(o);
        if (o.fp32) {
          if (!o.name || !o.version) throw new Error("registering needs --name and --version");
          const out = (await client.request("POST", "/models", {
            ...(o.team ? { team: o.team } : {}),
            name: o.name,
            version: o.version,
            artifacts: { fp32: pathForServer(o.fp32), ...(o.fp16 ? { fp16: pathForServer(o.fp16) } : {}) },
          })) as Record<string, unknown>;
          return o.json ? printJson(out) : printTable([out], COLUMNS);
        }
        if (id) {
          const out = (await client.request("GET", `/models/${encodeURIComponent(id)}`)) as Record<
            string,
            unknown
          >;
          if (o.json) return printJson(out);
          printTable([out], COLUMNS);
          process.stdout.write("\nA/B checks:\n");
          return printTable((out.abChecks as Record<string, unknown>[]) ?? [], CHECK_COLUMNS);
        }
        const q = o.team ? `?team=${encodeURIComponent(o.team)}` : "";
        const out = (await client.request("GET", `/models${q}`)) as { items: Record<string, unknown>[] };
        if (o.json) return printJson(out);
        printTable(out.items, COLUMNS);
      }),
    );
}
