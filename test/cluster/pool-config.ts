// Reads the simulated GPU pools of the test cluster (test/cluster/pools.json by default) and
// rejects a malformed file with the offending field named, before any node is created.
import { readFile } from "node:fs/promises";
import { z } from "zod";

const quantity = z
  .string()
  .regex(/^\d+(\.\d+)?(Ki|Mi|Gi|Ti|m)?$/, "a Kubernetes quantity such as 64 or 512Gi");

export const gpuPoolSchema = z.object({
  name: z.string().regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, "a DNS label: nodes are named <pool>-<i>"),
  nodes: z.number().int().positive(),
  gpusPerNode: z.number().int().positive(),
  product: z.string().min(1),
  gpuMemoryMiB: z.number().int().positive(),
  computeCapability: z.string().regex(/^\d+\.\d+$/, "major.minor, e.g. 7.0"),
  cpu: quantity,
  memory: quantity,
  taint: z.boolean().default(true),
});

export const poolFileSchema = z.object({ pools: z.array(gpuPoolSchema).min(1) });

export type GpuPool = z.infer<typeof gpuPoolSchema>;

export const defaultPoolFile = new URL("./pools.json", import.meta.url).pathname;

export async function loadPools(path: string = defaultPoolFile): Promise<GpuPool[]> {
  const parsed = poolFileSchema.safeParse(JSON.parse(await readFile(path, "utf8")));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`${path}: ${issue?.path.join(".") ?? "(root)"}: ${issue?.message ?? "invalid"}`);
  }
  const names = parsed.data.pools.map((p) => p.name);
  const duplicate = names.find((n, i) => names.indexOf(n) !== i);
  if (duplicate) throw new Error(`${path}: pools: the name "${duplicate}" is used twice`);
  return parsed.data.pools;
}
