import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { errorHandler } from "../../../src/api/problem.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (s: string) => lines.push(JSON.parse(s)) });
  return { logger, lines };
}

function fakeResponse() {
  const sent: { status?: number; body?: string } = {};
  const res = {
    headersSent: false,
    status(s: number) {
      sent.status = s;
      return res;
    },
    set: () => res,
    type: () => res,
    send(b: string) {
      sent.body = b;
      return res;
    },
  };
  return { res, sent };
}

describe("the error handler", () => {
  it.each([
    ["with the request's own logger", true],
    ["without one", false],
  ])("logs an unexpected error exactly once %s, and answers 500", (_n, withRequestLog) => {
    const { logger, lines } = capture();
    const req = withRequestLog ? { log: logger.child({ reqId: "r-1" }) } : {};
    const { res, sent } = fakeResponse();
    errorHandler(logger)(new Error("boom"), req as never, res as never, () => {});
    expect(lines.filter((l) => l.msg === "unhandled error")).toHaveLength(1);
    expect(sent.status).toBe(500);
  });
});
