// The Job name of a run, from (job, attempt) alone: launching the same run twice names the same Job,
// so the second create is refused with AlreadyExists instead of starting a duplicate. A DNS-1123
// label of at most 63 characters (the Job controller copies it into the pods' job-name label).
export function runJobName(job: string, attempt: number): string {
  const clean = job
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "");
  const suffix = `-${attempt}`;
  const name = `berth-${clean}${suffix}`;
  if (name.length <= 63 && clean === job) return name;
  // Cleaned or too long: keep a readable prefix plus a hash of the exact id so names never collide.
  let h = 2166136261;
  for (const ch of job) h = Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0;
  const hash = h.toString(16).padStart(8, "0");
  const room = 63 - "berth-".length - hash.length - 1 - suffix.length;
  return `berth-${clean.slice(0, room).replace(/-+$/, "")}-${hash}${suffix}`;
}
