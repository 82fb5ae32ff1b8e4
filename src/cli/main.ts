// The `berth` command: builds the program and registers one file per command (commands/<name>.ts).
import { Command } from "commander";
import { register as registerAvailability } from "./commands/availability.ts";
import { register as registerBook } from "./commands/book.ts";
import { register as registerCancel } from "./commands/cancel.ts";
import { register as registerJobs } from "./commands/jobs.ts";
import { register as registerLs } from "./commands/ls.ts";
import { register as registerMigrate } from "./commands/migrate.ts";
import { register as registerServe } from "./commands/serve.ts";
import { register as registerSimulate } from "./commands/simulate.ts";
import { register as registerSubmit } from "./commands/submit.ts";

const program = new Command("berth").description("Berth: GPU reservation scheduler").showHelpAfterError();
registerSimulate(program);
registerServe(program);
registerMigrate(program);
registerBook(program);
registerLs(program);
registerCancel(program);
registerAvailability(program);
registerSubmit(program);
registerJobs(program);
await program.parseAsync(process.argv);
