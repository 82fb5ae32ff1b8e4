// The log reads as lines a person reads on a terminal and as JSON lines elsewhere, or as asked.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger, type LoggerOptions } from "../../../src/adapters/log/create-logger.ts";

/** What one log call writes with these options. */
function written(
  options: Omit<LoggerOptions, "destination">,
  log: (l: ReturnType<typeof createLogger>) => void,
) {
  let out = "";
  const destination = new Writable({
    write(chunk, _enc, done) {
      out += String(chunk);
      done();
    },
  });
  log(createLogger({ ...options, destination }));
  return out;
}

describe("the service log", () => {
  it("writes JSON lines off a terminal", () => {
    const out = written({ level: "info", format: "auto", isTerminal: false }, (l) =>
      l.info({ pool: "V100" }, "booked"),
    );
    expect(JSON.parse(out.trim())).toMatchObject({ level: 30, msg: "booked", pool: "V100" });
  });

  it("writes a readable line on a terminal, fields included and secrets redacted", () => {
    const out = written({ level: "info", format: "auto", isTerminal: true }, (l) =>
      l.info({ pool: "V100", body: { token: "s3cret" } }, "booked"),
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: strips the terminal's colour codes
    const plain = out.replace(/\u001b\[[0-9;]*m/g, "");
    expect(plain).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO: booked/);
    expect(plain).toContain('pool: "V100"');
    expect(plain).not.toContain("s3cret");
  });

  it("writes JSON lines on a terminal when asked", () => {
    const out = written({ level: "info", format: "json", isTerminal: true }, (l) => l.info("ready"));
    expect(JSON.parse(out.trim())).toMatchObject({ msg: "ready" });
  });
});
