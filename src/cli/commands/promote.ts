// berth promote: promote a model version to a deploy config on a pool; a refusal prints the
// rules' reason (and exits 1). With --show, print the deploy block the pool would get.
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions, parseCount } from "../client.ts";
import { printJson } from "../table.ts";

interface Options extends ClientOptions {
  precision?: string;
  pool?: string;
  batchSize?: number;
  tensorrt?: boolean;
  show?: boolean;
}

export function register(program: Command): void {
  clientOptions(
    program
      .command("promote")
      .description(
        "Promote a model version (fp32, fp16, int8) for a serving pool, or --show its deploy block",
      )
      .argument("<model>", "the model id")
      .option("--precision <p>", "fp32|fp16|int8")
      .option("--pool <name>", "the serving pool (its compute capability decides fp16)")
      .option("--batch-size <n>", "inference batch size", parseCount("batch-size"))
      .option("--tensorrt", "serve through TensorRT (needs a TensorRT A/B check)")
      .option("--show", "print the deploy block --pool gets, promoting nothing"),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  berth promote m-mg4x1a2b3c --precision fp16 --pool V100 --batch-size 8\n  berth promote m-mg4x1a2b3c --show --pool T4\n",
    )
    .action(
      action(async (model: string, o: Options) => {
        const client = new ApiClient(o);
        const path = `/models/${encodeURIComponent(model)}`;
        if (o.show) {
          if (!o.pool) throw new Error("--show needs --pool");
          const out = await client.request(
            "GET",
            `${path}/inference-config?pool=${encodeURIComponent(o.pool)}`,
          );
          return printJson(out);
        }
        if (!o.precision) throw new Error("--precision is required (fp32, fp16 or int8)");
        const out = (await client.request("POST", `${path}/promote`, {
          precision: o.precision,
          ...(o.pool ? { pool: o.pool } : {}),
          ...(o.batchSize ? { batchSize: o.batchSize } : {}),
          ...(o.tensorrt ? { useTensorrt: true } : {}),
        })) as { id: string; inference: unknown; servingPool: string | null; notes?: string[] };
        if (o.json) return printJson(out);
        process.stdout.write(
          `${out.id} promoted: ${JSON.stringify({ inference: out.inference })} on ${out.servingPool ?? "no pool"}\n`,
        );
        for (const note of out.notes ?? []) process.stdout.write(`  - ${note}\n`);
      }),
    );
}
