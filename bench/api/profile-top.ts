// The functions a V8 CPU profile (`node --cpu-prof`) spent most self time in, and the share of
// the total, with each function's inclusive time beside it (its callees included, recursion
// counted once).
//
//   node bench/api/profile-top.ts FILE.cpuprofile [--top 25] [--under FUNCTION] [--not FUNCTION]... [--inclusive]
//
// `--under NAME` counts only samples whose stack holds a function of that name (one request's
// path, e.g. `dryRun`), and gives shares of those samples; `--not NAME` (repeatable) leaves out
// samples whose stack holds NAME (start-up: `ModuleJob`); `--inclusive` ranks by inclusive time.
import { readFile } from "node:fs/promises";
import { parseArgs } from "node:util";

interface ProfileNode {
  readonly id: number;
  readonly callFrame: {
    readonly functionName: string;
    readonly url: string;
    readonly lineNumber: number;
  };
  readonly children?: readonly number[];
}

interface Profile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const { values, positionals } = parseArgs({
  options: {
    top: { type: "string", default: "25" },
    under: { type: "string" },
    not: { type: "string", multiple: true },
    inclusive: { type: "boolean", default: false },
  },
  allowPositionals: true,
  strict: true,
});
if (positionals.length !== 1)
  throw new Error("usage: profile-top.ts FILE.cpuprofile [--top N] [--under NAME]");
const profile = JSON.parse(await readFile(positionals[0]!, "utf8")) as Profile;

const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map<number, number>();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);

const label = (n: ProfileNode) => {
  const f = n.callFrame;
  const file = f.url.replace(/^.*\/(src|node_modules)\//, "$1/");
  return `${f.functionName || "(anonymous)"} ${file ? `${file}:${f.lineNumber + 1}` : ""}`.trim();
};

const self = new Map<string, number>();
const inclusive = new Map<string, number>();
let total = 0;
for (let i = 0; i < profile.samples.length; i++) {
  const dt = profile.timeDeltas[i] ?? 0;
  const leaf = byId.get(profile.samples[i]!)!;
  const stack: ProfileNode[] = [];
  for (let id: number | undefined = leaf.id; id !== undefined; id = parent.get(id)) stack.push(byId.get(id)!);
  if (values.under && !stack.some((n) => n.callFrame.functionName === values.under)) continue;
  if (values.not?.some((name) => stack.some((n) => n.callFrame.functionName === name))) continue;
  if (leaf.callFrame.functionName === "(idle)") continue;
  total += dt;
  self.set(label(leaf), (self.get(label(leaf)) ?? 0) + dt);
  for (const name of new Set(stack.map(label))) inclusive.set(name, (inclusive.get(name) ?? 0) + dt);
}

const top = Number(values.top);
console.log(
  `${(total / 1000).toFixed(0)} ms of samples${values.under ? ` under ${values.under}` : ""} (idle excluded)`,
);
console.log("| self | inclusive | function |");
console.log("| --- | --- | --- |");
const pct = (us: number) => `${((100 * us) / total).toFixed(1)}%`;
for (const [name] of [...(values.inclusive ? inclusive : self)].sort((a, b) => b[1] - a[1]).slice(0, top)) {
  console.log(`| ${pct(self.get(name) ?? 0)} | ${pct(inclusive.get(name) ?? 0)} | \`${name}\` |`);
}
