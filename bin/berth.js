#!/usr/bin/env node
// The `berth` command: the TypeScript CLI runs in this very process, with Node's own type stripping
// (the sources use only erasable syntax; tsconfig's `erasableSyntaxOnly` keeps it so). One process,
// so a supervisor's SIGTERM reaches `berth serve` itself, and nothing is compiled at start.
const [major, minor] = process.versions.node.split(".").map(Number);
if (major < 22 || (major === 22 && minor < 18) || (major === 23 && minor < 6)) {
  process.stderr.write(
    `berth: Node ${process.versions.node} cannot run TypeScript; use Node 24 (npm scripts and npx use the one this package installs)\n`,
  );
  process.exit(1);
}
await import("../src/cli/main.ts");
