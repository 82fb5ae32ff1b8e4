// The service's logger. On a terminal, lines a person reads (time, level, message, then the fields);
// elsewhere (a container, a file, a pipe) JSON lines that log collectors parse. The pretty stream is
// synchronous, in this thread: a worker-thread transport would lose the last lines of a process that
// exits on a signal.
import { type Logger, pino } from "pino";
import pretty from "pino-pretty";

export interface LoggerOptions {
  readonly level: string;
  readonly format: "auto" | "json" | "pretty";
  /** Whether standard output is a terminal (decides `auto`). */
  readonly isTerminal: boolean;
  /** Where lines go; standard output when absent. */
  readonly destination?: NodeJS.WritableStream;
}

const REDACT = ["req.headers.authorization", "*.token", "*.secret"];

export function createLogger(o: LoggerOptions): Logger {
  const humans = o.format === "pretty" || (o.format === "auto" && o.isTerminal);
  const options = { level: o.level, redact: REDACT };
  if (!humans) return o.destination ? pino(options, o.destination) : pino(options);
  return pino(
    options,
    pretty({
      sync: true,
      colorize: o.isTerminal,
      translateTime: "SYS:HH:MM:ss.l",
      ignore: "pid,hostname",
      ...(o.destination ? { destination: o.destination } : {}),
    }),
  );
}
