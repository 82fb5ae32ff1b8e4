// Usage errors through the real `bin/berth.js` process, for every command `berth --help` lists: an
// unknown option is named on one line of stderr with where help is, and the exit is non-zero (the
// full help is printed only when asked for).
import { describe, expect, it } from "vitest";
import { berthCli } from "../../support/berth-cli.ts";

const berth = berthCli(() => ({}));

/** The commands `berth --help` lists (not `help` itself). */
async function commands(): Promise<string[]> {
  const help = (await berth("--help")).stdout;
  const listed = help.slice(help.indexOf("Commands:")).split("\n").slice(1);
  return listed.flatMap((l) => {
    const m = /^ {2}([a-z][a-z-]*)\b/.exec(l);
    return m?.[1] && m[1] !== "help" ? [m[1]] : [];
  });
}

describe("berth usage errors", () => {
  it("names an unknown option on one line and exits non-zero, for every command", async () => {
    const names = await commands();
    expect(names).toEqual(
      expect.arrayContaining(["book", "serve", "simulate", "validate", "admission-cert"]),
    );
    for (const name of names) {
      const r = await berth(name, "--nope");
      expect(r.code, name).not.toBe(0);
      expect(r.stdout, name).toBe("");
      expect(r.stderr, name).toBe(`berth ${name}: unknown option '--nope' (see berth ${name} --help)\n`);
    }
  });

  it("names the unknown option even beside valid ones, and a missing required option on one line", async () => {
    const unknown = await berth("book", "--pool", "V100", "--gpus", "1", "--nope", "x");
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toBe("berth book: unknown option '--nope' (see berth book --help)\n");
    const missing = await berth("book", "--gpus", "1");
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe(
      "berth book: required option '--pool <name>' not specified (see berth book --help)\n",
    );
  });

  it("says so in one line for an unknown command", async () => {
    const r = await berth("nope");
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("berth: unknown command 'nope' (see berth --help)\n");
  });

  it("still prints the full help when asked, even beside an unknown option", async () => {
    const r = await berth("book", "--nope", "--help");
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Usage: berth book [options]");
  });
});
