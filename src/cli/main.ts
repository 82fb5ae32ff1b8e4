// The `berth` command: builds the program and registers one file per command (commands/<name>.ts).
import { Command } from "commander";
import { register as registerSimulate } from "./commands/simulate.ts";

const program = new Command("berth").description("Berth: GPU reservation scheduler").showHelpAfterError();
registerSimulate(program);
await program.parseAsync(process.argv);
