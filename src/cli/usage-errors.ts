// Usage errors (an unknown option or command, a missing argument or required option) as one line
// on stderr that names the problem and where help is, and exit 1 (docs/rules.md §6: one line and a
// non-zero exit on failure); the full help only when asked for (--help).
import { Command, type ParseOptionsResult } from "commander";

const HELP_FLAGS = new Set(["-h", "--help"]);

/**
 * commander checks required options before unknown ones, so `berth book --nope` would complain of
 * a missing --pool; a command that runs (one without subcommands to hand the rest to) names the
 * unknown option first, unless help was asked for.
 */
export class BerthCommand extends Command {
  override createCommand(name?: string): BerthCommand {
    return new BerthCommand(name);
  }

  override parseOptions(argv: string[]): ParseOptionsResult {
    const parsed = super.parseOptions(argv);
    const first = parsed.unknown[0];
    if (this.commands.length === 0 && first !== undefined && !parsed.unknown.some((a) => HELP_FLAGS.has(a)))
      this.error(`error: unknown option '${first}'`, { code: "commander.unknownOption" });
    return parsed;
  }
}

/** Each command's usage errors as `berth <command>: <problem> (see berth <command> --help)`. */
export function oneLineUsageErrors(cmd: Command, path: string = cmd.name()): void {
  cmd.showHelpAfterError(false).configureOutput({
    outputError: (message, write) => {
      const problem = message
        .replace(/^error: /, "")
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l !== "")
        .join(" ");
      write(`${path}: ${problem} (see ${path} --help)\n`);
    },
  });
  for (const sub of cmd.commands) oneLineUsageErrors(sub, `${path} ${sub.name()}`);
}
