// `npm run cluster:up [-- --pools <file>]`: starts the test control plane (or reports the one
// already running) and prints where its admin kubeconfig and kubectl are.
import { clusterPaths, down, isHealthy, readState, up } from "./control-plane.ts";

function poolsArgument(argv: readonly string[]): string | undefined {
  const i = argv.indexOf("--pools");
  if (i === -1) return undefined;
  const file = argv[i + 1];
  if (!file) throw new Error("--pools needs a file");
  return file;
}

async function main(): Promise<void> {
  const poolsFile = poolsArgument(process.argv.slice(2));
  const paths = clusterPaths();
  const previous = await readState();
  if (previous && (await isHealthy(previous))) {
    console.log(`test cluster already running (${previous.server}); \`npm run cluster:down\` stops it`);
  } else {
    if (previous) await down(previous); // a half-dead cluster from an earlier run
    const state = await up({ poolsFile, log: (line) => console.error(`cluster:up: ${line}`) });
    console.log(`test cluster up in ${(state.startupMs / 1000).toFixed(1)} s at ${state.server}`);
  }
  console.log(`kubeconfig: ${paths.kubeconfig}`);
  console.log(`kubectl:    ${paths.kubectl}`);
  console.log(`try: ${paths.kubectl} --kubeconfig ${paths.kubeconfig} get nodes`);
}

main().catch((error: Error) => {
  console.error(`cluster:up: ${error.message}`);
  process.exit(1);
});
