// The `berth` command: builds the commander program and registers one file per command
// (commands/<name>.ts, each exporting `register(program)`). Failures, usage errors included
// (usage-errors.ts), become one line on stderr and a non-zero exit.
import { register as registerAbcheck } from "./commands/abcheck.ts";
import { register as registerAdmissionCert } from "./commands/admission-cert.ts";
import { register as registerAvailability } from "./commands/availability.ts";
import { register as registerBook } from "./commands/book.ts";
import { register as registerCancel } from "./commands/cancel.ts";
import { register as registerJobs } from "./commands/jobs.ts";
import { register as registerLs } from "./commands/ls.ts";
import { register as registerMap } from "./commands/map.ts";
import { register as registerMigrate } from "./commands/migrate.ts";
import { register as registerModels } from "./commands/models.ts";
import { register as registerPromote } from "./commands/promote.ts";
import { register as registerServe } from "./commands/serve.ts";
import { register as registerSimulate } from "./commands/simulate.ts";
import { register as registerSubmit } from "./commands/submit.ts";
import { register as registerValidate } from "./commands/validate.ts";
import { BerthCommand, oneLineUsageErrors } from "./usage-errors.ts";

const program = new BerthCommand("berth").description("Berth: GPU reservation scheduler");
registerSimulate(program);
registerServe(program);
registerMigrate(program);
registerBook(program);
registerLs(program);
registerCancel(program);
registerAvailability(program);
registerSubmit(program);
registerJobs(program);
registerMap(program);
registerValidate(program);
registerModels(program);
registerAbcheck(program);
registerPromote(program);
registerAdmissionCert(program);
oneLineUsageErrors(program);

try {
  await program.parseAsync(process.argv);
} catch (err) {
  process.stderr.write(`berth: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
}
