// `npm run cluster:down`: stops every component of the test cluster and deletes its data. Exits
// non-zero if any component is still running afterwards.
import { down, readState } from "./control-plane.ts";

async function main(): Promise<void> {
  const state = await readState();
  if (!state) {
    console.log("no test cluster is running");
    return;
  }
  const { stopped, survivors } = await down(state);
  if (survivors.length > 0) {
    throw new Error(`still running: ${survivors.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`);
  }
  console.log(`stopped ${stopped.join(", ")}; removed ${state.dir}`);
}

main().catch((error: Error) => {
  console.error(`cluster:down: ${error.message}`);
  process.exit(1);
});
