// Paths a user names to the server: on a cluster they are relative to the team's shared volume,
// in embedded mode they are files of this machine. A relative path that exists here is meant as
// one of this machine's (the server runs beside the CLI), so it is made absolute; any other path
// is sent as written.
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";

export function pathForServer(path: string): string {
  return !isAbsolute(path) && existsSync(path) ? resolve(path) : path;
}
