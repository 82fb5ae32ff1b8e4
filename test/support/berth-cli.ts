// The `berth` command as a user runs it (a child process of the TypeScript CLI), against a server:
// its exit code, stdout and stderr.
import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export function berthCli(env: () => Record<string, string>) {
  return async (...args: string[]): Promise<CliResult> => {
    try {
      const r = await run(process.execPath, ["bin/berth.js", ...args], {
        env: { ...process.env, ...env() },
      });
      return { code: 0, stdout: r.stdout, stderr: r.stderr };
    } catch (err) {
      const e = err as { code: number; stdout: string; stderr: string };
      return { code: e.code, stdout: e.stdout, stderr: e.stderr };
    }
  };
}
