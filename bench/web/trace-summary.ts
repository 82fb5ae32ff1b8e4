// Where the main thread's time goes, from a Chromium performance trace (the `devtools.timeline`
// categories): self CPU time by trace event name (script, style, layout, paint, ...), the longest
// tasks and the busy time in all, each as wall time (`dur`, what a long task counts) and as the
// thread's CPU time (`tdur`): on a shared machine a task's wall time also holds the time the OS
// ran other processes, its CPU time only what the page's work cost.
// Used by bench/web/run.ts --trace to say what bounds a long task, not only how many there are.

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  /** Thread (CPU) time: unlike `dur`, not stretched while other processes hold the CPU. */
  tdur?: number;
  pid: number;
  tid: number;
  args?: { name?: string; data?: { functionName?: string; url?: string } };
}

export interface TraceSummary {
  /** The longest tasks (ms), longest first. */
  longestTasksMs: number[];
  /** Tasks over 16 ms and their time in all (ms). */
  overFrame: { count: number; ms: number };
  busyMs: number;
  /** The same in CPU time of the main thread (`tdur`): what the code costs, whatever the load. */
  longestTasksCpuMs: number[];
  busyCpuMs: number;
  /** Self CPU time (ms, `tdur`) by event name over all the main thread's tasks, largest first. */
  selfMs: [string, number][];
  /** The same within the task that took the most CPU time: what bounds the longest task. */
  longestTaskSelfMs: [string, number][];
}

const LONG_US = 16_000;

export function summariseTrace(json: string): TraceSummary {
  const parsed = JSON.parse(json) as { traceEvents: TraceEvent[] } | TraceEvent[];
  const events = Array.isArray(parsed) ? parsed : parsed.traceEvents;
  const main = events.find(
    (e) => e.ph === "M" && e.name === "thread_name" && e.args?.name === "CrRendererMain",
  );
  if (!main)
    return {
      longestTasksMs: [],
      overFrame: { count: 0, ms: 0 },
      busyMs: 0,
      longestTasksCpuMs: [],
      busyCpuMs: 0,
      selfMs: [],
      longestTaskSelfMs: [],
    };
  const onMain = events
    .filter((e) => e.pid === main.pid && e.tid === main.tid && e.ph === "X" && e.dur !== undefined)
    .sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const tasksMs: number[] = [];
  const tasksCpuMs: number[] = [];
  const self = new Map<string, number>();
  // Self times of the task being walked, kept when it is the longest in CPU time so far.
  let taskSelf = new Map<string, number>();
  let longest = { cpu: -1, self: taskSelf };
  // A stack of open events: each event's self time is its duration less its children's.
  const stack: { e: TraceEvent; children: number }[] = [];
  const cpu = (e: TraceEvent) => e.tdur ?? e.dur!;
  const close = (upTo: number) => {
    while (stack.length && stack.at(-1)!.e.ts + stack.at(-1)!.e.dur! <= upTo) {
      const top = stack.pop()!;
      const key = label(top.e);
      const own = (cpu(top.e) - top.children) / 1000;
      self.set(key, (self.get(key) ?? 0) + own);
      taskSelf.set(key, (taskSelf.get(key) ?? 0) + own);
      if (stack.length) stack.at(-1)!.children += cpu(top.e);
      else if (cpu(top.e) > longest.cpu) longest = { cpu: cpu(top.e), self: taskSelf };
    }
  };
  for (const e of onMain) {
    close(e.ts);
    const isTask = stack.length === 0;
    if (isTask) {
      taskSelf = new Map();
      tasksMs.push(e.dur! / 1000);
      tasksCpuMs.push(cpu(e) / 1000);
    }
    stack.push({ e, children: 0 });
  }
  close(Number.POSITIVE_INFINITY);
  const ranked = (m: Map<string, number>) =>
    [...m.entries()]
      .map(([k, v]) => [k, Math.round(v * 10) / 10] as [string, number])
      .sort((a, b) => b[1] - a[1]);
  const selfMs = ranked(self);
  const over = tasksMs.filter((t) => t > LONG_US / 1000);
  const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0));
  return {
    longestTasksMs: [...tasksMs]
      .sort((a, b) => b - a)
      .slice(0, 8)
      .map(Math.round),
    overFrame: { count: over.length, ms: sum(over) },
    busyMs: sum(tasksMs),
    longestTasksCpuMs: [...tasksCpuMs]
      .sort((a, b) => b - a)
      .slice(0, 8)
      .map(Math.round),
    busyCpuMs: sum(tasksCpuMs),
    selfMs,
    longestTaskSelfMs: ranked(longest.self),
  };
}

function label(e: TraceEvent): string {
  const fn = e.args?.data?.functionName;
  return fn ? `${e.name} ${fn}` : e.name;
}
