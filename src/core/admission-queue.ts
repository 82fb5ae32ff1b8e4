// The order of the opportunistic queue (docs/rules.md §2): priority, then the team with fewer GPUs
// running (counted as admissions happen, so one team cannot take a whole cycle), then submission
// time, then id. The caller skips a job that does not fit and asks for the next (backfill).
// Levels are opened one at a time, highest first, and only with the jobs that can still do
// something when the level opens (`live`); each team's jobs sit in a heap popped lazily. A deep
// queue on a full cluster therefore costs one check per job, not a sort.
import { BinaryHeap } from "./binary-heap.ts";
import { compareId } from "./natural-order.ts";
import type { JobView } from "./snapshot.ts";
import { PRIORITIES, priorityRank } from "./types.ts";

interface TeamLine {
  readonly team: string;
  readonly heap: BinaryHeap<JobView>;
}

const earlier = (a: JobView, b: JobView) =>
  a.submittedAt < b.submittedAt || (a.submittedAt === b.submittedAt && compareId(a.id, b.id) < 0);

export class AdmissionQueue {
  private level = PRIORITIES.length;
  private lines: TeamLine[] = [];

  /** Queued jobs bucketed by priority rank (index 4 = critical); see `byPriority`. */
  private readonly levels: JobView[][];
  private readonly teamGpus: ReadonlyMap<string, number>;
  /** Whether a job can still be placed or preempt for, asked when its level opens. */
  private readonly live: (job: JobView) => boolean;
  /** Whether anything at all can still happen at a level; a level closes as soon as it cannot. */
  private readonly levelLive: (rank: number) => boolean;

  constructor(
    levels: JobView[][],
    teamGpus: ReadonlyMap<string, number>,
    live: (job: JobView) => boolean = () => true,
    levelLive: (rank: number) => boolean = () => true,
  ) {
    this.levels = levels;
    this.teamGpus = teamGpus;
    this.live = live;
    this.levelLive = levelLive;
  }

  /** Bucket jobs by priority rank, the constructor's input. */
  static byPriority(jobs: readonly JobView[]): JobView[][] {
    const levels: JobView[][] = PRIORITIES.map(() => []);
    for (const j of jobs) levels[priorityRank(j.priority)]!.push(j);
    return levels;
  }

  private open(level: number): void {
    const teams = new Map<string, JobView[]>();
    for (const j of this.levels[level]!) {
      if (!this.live(j)) continue;
      const list = teams.get(j.team);
      if (list) list.push(j);
      else teams.set(j.team, [j]);
    }
    this.lines = [...teams.entries()]
      .sort(([a], [b]) => compareId(a, b))
      .map(([team, list]) => ({ team, heap: new BinaryHeap(list, earlier) }));
  }

  /** The next job to try, or null when the queue is exhausted. */
  next(): JobView | null {
    for (;;) {
      if (this.level < PRIORITIES.length && !this.levelLive(this.level)) this.lines = [];
      let best: TeamLine | null = null;
      let bestGpus = 0;
      let bestHead: JobView | undefined;
      const lines = this.lines;
      for (let i = 0; i < lines.length; i++) {
        const line = lines[i]!;
        const head = line.heap.peek();
        if (!head) continue;
        const gpus = this.teamGpus.get(line.team) ?? 0;
        if (!best || gpus < bestGpus || (gpus === bestGpus && earlier(head, bestHead!))) {
          best = line;
          bestGpus = gpus;
          bestHead = head;
        }
      }
      if (best) return best.heap.pop()!;
      if (--this.level < 0) return null;
      if (this.levelLive(this.level)) this.open(this.level);
    }
  }
}
