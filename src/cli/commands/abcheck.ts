// berth abcheck: ask Berth to run a model's FP16-vs-FP32 A/B check (--data), waiting for its
// verdict with --wait; or show a check by its id.
import type { Command } from "commander";
import { ApiClient, action, type ClientOptions, clientOptions, parseCount } from "../client.ts";
import { pathForServer } from "../local-path.ts";
import { printJson } from "../table.ts";

interface Options extends ClientOptions {
  data?: string;
  pool?: string;
  wait?: boolean;
  timeout: number;
}

type Check = {
  id: string;
  model: string;
  state: string;
  pool: string | null;
  job: string | null;
  reasons: string[];
  unlocksFp16: boolean;
  report?: { images?: number; provider?: string; fp32?: { map5095?: number }; fp16?: { map5095?: number } };
};

const FINISHED = new Set(["passed", "failed", "error"]);
/** How often --wait asks again: a check runs for seconds to minutes. */
const POLL_MS = 1000;

function describe(c: Check): string {
  const r = c.report;
  const numbers =
    r?.fp32?.map5095 !== undefined && r.fp16?.map5095 !== undefined
      ? `, mAP50-95 fp32 ${(r.fp32.map5095 * 100).toFixed(2)} fp16 ${(r.fp16.map5095 * 100).toFixed(2)} on ${r.images} images (${r.provider})`
      : "";
  const lines = [
    `${c.id} ${c.state.toUpperCase()} on pool ${c.pool ?? "-"} (job ${c.job ?? "-"})${numbers}`,
    `  unlocks fp16: ${c.unlocksFp16 ? "yes" : "no"}`,
    ...c.reasons.map((why) => `  - ${why}`),
  ];
  return `${lines.join("\n")}\n`;
}

export function register(program: Command): void {
  clientOptions(
    program
      .command("abcheck")
      .description("Run a model's FP16-vs-FP32 A/B check (--data), or show a check")
      .argument("<id>", "with --data, the model to check; else the check to show")
      .option("--data <dir>", "the validation set: COCO annotations.json and its images")
      .option("--pool <name>", "run on this pool (default: the training pool, else one of CC >= 7.0)")
      .option("--wait", "wait for the verdict")
      .option("--timeout <seconds>", "with --wait, give up after this long", parseCount("timeout"), 1800),
  )
    .addHelpText(
      "after",
      "\nExamples:\n  berth abcheck m-mg4x1a2b3c --data test/fixtures/yolo/val --wait\n  berth abcheck ab-mg4x1a2b3d\n",
    )
    .action(
      action(async (id: string, o: Options) => {
        const client = new ApiClient(o);
        let check: Check;
        if (o.data) {
          check = (await client.request("POST", `/models/${encodeURIComponent(id)}/abchecks`, {
            data: pathForServer(o.data),
            ...(o.pool ? { pool: o.pool } : {}),
          })) as Check;
        } else check = (await client.request("GET", `/abchecks/${encodeURIComponent(id)}`)) as Check;
        const deadline = Date.now() + o.timeout * 1000;
        while (o.wait && !FINISHED.has(check.state)) {
          if (Date.now() > deadline)
            throw new Error(`check ${check.id} is still ${check.state} after ${o.timeout} s`);
          await new Promise((r) => setTimeout(r, POLL_MS));
          check = (await client.request("GET", `/abchecks/${encodeURIComponent(check.id)}`)) as Check;
        }
        if (o.json) return printJson(check);
        process.stdout.write(describe(check));
      }),
    );
}
