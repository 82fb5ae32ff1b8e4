#!/usr/bin/env node
// Launcher for the `berth` command: runs the TypeScript CLI through tsx's loader, so no build step
// stands between a checkout and a working command.
import { spawnSync } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const result = spawnSync(
  process.execPath,
  ["--import", "tsx", join(root, "src/cli/main.ts"), ...process.argv.slice(2)],
  { stdio: "inherit", cwd: process.cwd() },
);
process.exit(result.status ?? 1);
