// The `berth` command: builds the commander program and registers one file per command.
// Each command file exports `register(program)`; failures become one line on stderr and exit 1.
import { Command } from "commander";
import { register as registerMap } from "./commands/map.ts";
import { register as registerValidate } from "./commands/validate.ts";

const program = new Command("berth").description("GPU reservation scheduler").showHelpAfterError();
registerMap(program);
registerValidate(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
