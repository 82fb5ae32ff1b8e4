// What a caller may see of a job (docs/rules.md §4): its own team and admins see everything; other
// teams see what the timeline needs (kind, pool, GPUs, state, ...) but never the spec, which names
// images, data paths and secrets' names.
import { isAdmin, type Principal } from "../context.ts";

export function jobFor<J extends { team: string; spec?: unknown }>(
  by: Principal,
  job: J,
): J | Omit<J, "spec"> {
  if (isAdmin(by) || by.team === job.team) return job;
  const { spec: _hidden, ...rest } = job;
  return rest;
}
