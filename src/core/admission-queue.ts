// The order of the opportunistic queue (CONTRACTS §2): priority, then the team with fewer GPUs
// running (counted as admissions happen, so one team cannot take a whole cycle), then submission
// time, then id. The caller skips a job that does not fit and asks for the next (backfill).
import { compareId } from "./natural-order.ts";
import type { JobView } from "./snapshot.ts";
import { PRIORITIES, priorityRank } from "./types.ts";

interface TeamLine {
  readonly team: string;
  readonly jobs: JobView[];
  pos: number;
}

export class AdmissionQueue {
  /** Index = priority rank (4 = critical); each level's lines are per team, sorted by (submission, id). */
  private readonly levels: TeamLine[][];
  private level: number;

  constructor(
    jobs: readonly JobView[],
    private readonly teamGpus: ReadonlyMap<string, number>,
  ) {
    const byLevel: Map<string, JobView[]>[] = PRIORITIES.map(() => new Map());
    for (const j of jobs) {
      const teams = byLevel[priorityRank(j.priority)]!;
      const list = teams.get(j.team);
      if (list) list.push(j);
      else teams.set(j.team, [j]);
    }
    this.levels = byLevel.map((teams) =>
      [...teams.entries()]
        .sort(([a], [b]) => compareId(a, b))
        .map(([team, list]) => ({
          team,
          jobs: list.sort((a, b) => a.submittedAt - b.submittedAt || compareId(a.id, b.id)),
          pos: 0,
        })),
    );
    this.level = PRIORITIES.length - 1;
  }

  /** The next job to try, or null when the queue is exhausted. */
  next(): JobView | null {
    while (this.level >= 0) {
      let best: TeamLine | null = null;
      let bestGpus = 0;
      for (const line of this.levels[this.level]!) {
        const head = line.jobs[line.pos];
        if (!head) continue;
        const gpus = this.teamGpus.get(line.team) ?? 0;
        if (!best) {
          best = line;
          bestGpus = gpus;
          continue;
        }
        const bh = best.jobs[best.pos]!;
        if (
          gpus < bestGpus ||
          (gpus === bestGpus &&
            (head.submittedAt < bh.submittedAt ||
              (head.submittedAt === bh.submittedAt && compareId(head.id, bh.id) < 0)))
        ) {
          best = line;
          bestGpus = gpus;
        }
      }
      if (best) return best.jobs[best.pos++]!;
      this.level--;
    }
    return null;
  }
}
