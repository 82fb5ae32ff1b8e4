// What a run's pod says about the run (docs/rules.md §5 "Failures on the cluster"), for each failure
// the pod watch reports: OOMKilled, image pull errors, Unschedulable with its bound, node lost.
import type { V1Pod } from "@kubernetes/client-node";
import { describe, expect, it } from "vitest";
import { podVerdict } from "../../../src/adapters/kube/pod-verdict.ts";

const NOW = Date.parse("2026-12-05T08:00:00Z");
const BOUND = 300_000;

function pod(status: V1Pod["status"], over: Partial<V1Pod> = {}): V1Pod {
  return { metadata: { name: "berth-j-1-abcde", uid: "u" }, spec: { containers: [] }, status, ...over };
}

/** A Pending pod the scheduler could not place since `since`, with its message. */
const unschedulable = (message: string, since: number) =>
  pod({
    phase: "Pending",
    conditions: [
      {
        type: "PodScheduled",
        status: "False",
        reason: "Unschedulable",
        message,
        lastTransitionTime: new Date(since),
      },
    ],
  });

const cases: { name: string; pod: V1Pod; at?: number; want: ReturnType<typeof podVerdict> }[] = [
  {
    name: "a running pod says nothing",
    pod: pod({
      phase: "Running",
      containerStatuses: [
        { name: "run", image: "i", ready: true, restartCount: 0, imageID: "", state: { running: {} } },
      ],
    }),
    want: undefined,
  },
  {
    name: "a container killed for memory fails the run",
    pod: pod({
      phase: "Failed",
      containerStatuses: [
        {
          name: "run",
          image: "i",
          ready: false,
          restartCount: 0,
          imageID: "",
          state: { terminated: { exitCode: 137, reason: "OOMKilled" } },
        },
      ],
    }),
    want: {
      kind: "oom-killed",
      message: "OOMKilled: container run ran out of memory (exit code 137)",
      fatal: true,
    },
  },
  {
    name: "an OOMKilled earlier run of a restarted container counts too",
    pod: pod({
      phase: "Running",
      containerStatuses: [
        {
          name: "run",
          image: "i",
          ready: true,
          restartCount: 1,
          imageID: "",
          state: { running: {} },
          lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } },
        },
      ],
    }),
    want: {
      kind: "oom-killed",
      message: "OOMKilled: container run ran out of memory (exit code 137)",
      fatal: true,
    },
  },
  ...["ErrImagePull", "ImagePullBackOff", "InvalidImageName"].map((reason) => ({
    name: `${reason} fails the run with the kubelet's message`,
    pod: pod({
      phase: "Pending",
      containerStatuses: [
        {
          name: "run",
          image: "nope:1",
          ready: false,
          restartCount: 0,
          imageID: "",
          state: { waiting: { reason, message: "not found" } },
        },
      ],
    }),
    want: {
      kind: "image-pull" as const,
      message: `${reason}: image nope:1 of container run cannot be pulled: not found`,
      fatal: true,
    },
  })),
  {
    name: "an Unschedulable pod waits with the scheduler's message until its bound",
    pod: unschedulable(
      "0/7 nodes are available: 7 node(s) didn't match Pod's node affinity/selector.",
      NOW - 60_000,
    ),
    want: {
      kind: "unschedulable",
      message: "Unschedulable: 0/7 nodes are available: 7 node(s) didn't match Pod's node affinity/selector.",
      fatal: false,
      fatalAt: NOW - 60_000 + BOUND,
    },
  },
  {
    name: "an Unschedulable pod past its bound fails the run",
    pod: unschedulable("no", NOW - BOUND),
    want: { kind: "unschedulable", message: "Unschedulable: no", fatal: true },
  },
  {
    name: "a pod being deleted is not judged Unschedulable",
    pod: pod(
      {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable", message: "no" }],
      },
      { metadata: { name: "p", deletionTimestamp: new Date(NOW) } },
    ),
    want: undefined,
  },
  {
    name: "a pod evicted from a lost node names the node, and leaves the run to node loss",
    pod: pod(
      {
        phase: "Running",
        conditions: [
          {
            type: "DisruptionTarget",
            status: "True",
            reason: "DeletionByTaintManager",
            message: "Taint manager: deleting due to NoExecute taint",
          },
        ],
      },
      { spec: { containers: [], nodeName: "t4-0" } },
    ),
    want: {
      kind: "node-lost",
      message: "node lost: t4-0 stopped answering: Taint manager: deleting due to NoExecute taint",
      fatal: false,
    },
  },
];

describe("podVerdict", () => {
  for (const c of cases)
    it(c.name, () => {
      expect(podVerdict(c.pod, c.at ?? NOW, BOUND)).toEqual(c.want);
    });
});
