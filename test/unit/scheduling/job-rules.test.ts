// The job rules every submitted job and every kubectl Job keeps: no variable that chooses GPUs,
// annotations only from the allow-list, a priority no higher than the reservation's (or, on the
// queue, than the team was granted), and no more GPUs than the team's cap.
import { describe, expect, it } from "vitest";
import {
  annotationRefusal,
  deviceEnvRefusal,
  queueJobRefusals,
  reservationPriorityRefusal,
} from "../../../src/services/scheduling/job-kinds/job-rules.ts";
import { checkJobSpec } from "../../../src/services/scheduling/job-kinds/registry.ts";

function refusedFields(spec: unknown): string[] {
  try {
    checkJobSpec("external", spec);
  } catch (err) {
    return ((err as { extra: { errors: { field: string }[] } }).extra.errors ?? []).map((e) => e.field);
  }
  return [];
}

describe("device-selecting environment variables", () => {
  it.each([
    "NVIDIA_VISIBLE_DEVICES",
    "CUDA_VISIBLE_DEVICES",
    "NVIDIA_DRIVER_CAPABILITIES",
    "NVIDIA_REQUIRE_CUDA",
    "NVIDIA_DISABLE_REQUIRE",
    "NVIDIA_MIG_CONFIG_DEVICES",
    "NVIDIA_MIG_MONITOR_DEVICES",
    "NVIDIA_IMEX_CHANNELS",
    "NVIDIA_GDS",
    "HIP_VISIBLE_DEVICES",
    "ROCR_VISIBLE_DEVICES",
    "ZE_AFFINITY_MASK",
  ])("refuses %s at submission, naming spec.env.<name>", (name) => {
    expect(refusedFields({ image: "x", env: { [name]: "all" } })).toEqual([`spec.env.${name}`]);
    expect(deviceEnvRefusal(name)).toMatch(/device plugin/);
  });

  it.each([
    "NVIDIA_TF32_OVERRIDE",
    "CUDA_LAUNCH_BLOCKING",
    "PYTORCH_CUDA_ALLOC_CONF",
    "nvidia_visible_devices",
  ])("lets %s through: it tunes the work on the GPUs the run was given, never which GPUs", (name) => {
    expect(deviceEnvRefusal(name)).toBeUndefined();
    expect(refusedFields({ image: "x", env: { [name]: "1" } })).toEqual([]);
  });

  it("refuses a device variable read from a Secret just the same", () => {
    expect(refusedFields({ image: "x", env: { NVIDIA_VISIBLE_DEVICES: { secret: "s", key: "k" } } })).toEqual(
      ["spec.env.NVIDIA_VISIBLE_DEVICES"],
    );
  });
});

describe("annotations from an allow-list", () => {
  it.each([
    "container.apparmor.security.beta.kubernetes.io/main",
    "seccomp.security.alpha.kubernetes.io/pod",
    "sidecar.istio.io/inject",
    "kubernetes.io/egress-bandwidth",
    "example.com/owner",
    "berth.dev/queue",
  ])("refuses %s, naming spec.annotations.<key>", (key) => {
    expect(refusedFields({ image: "x", annotations: { [key]: "unconfined" } })).toEqual([
      `spec.annotations.${key}`,
    ]);
    expect(annotationRefusal(key)).toBeDefined();
  });

  it.each([
    "owner",
    "description",
    "prometheus.io/scrape",
    "prometheus.io/port",
    "prometheus.io/path",
    "kubectl.kubernetes.io/default-container",
  ])("accepts %s", (key) => {
    expect(annotationRefusal(key)).toBeUndefined();
    expect(refusedFields({ image: "x", annotations: { [key]: "v" } })).toEqual([]);
  });
});

describe("priority and GPUs", () => {
  it.each([
    ["normal", "normal", undefined],
    ["low", "high", undefined],
    ["high", "normal", /above its reservation's \(normal\)/],
    ["critical", "low", /above its reservation's \(low\)/],
  ] as const)("a %s job on a %s reservation: %s", (job, reservation, refusal) => {
    const r = reservationPriorityRefusal(job, reservation);
    if (refusal) expect(r).toMatch(refusal);
    else expect(r).toBeUndefined();
  });

  const quota = { gpuHoursPerWeek: { critical: 0, high: 10 }, maxGpus: 4 };
  it.each([
    ["normal", 4, []],
    ["high", 2, []],
    ["critical", 1, ["priority"]],
    ["normal", 8, ["gpus"]],
    ["critical", 16, ["priority", "gpus"]],
  ] as const)("a queued %s job on %i GPUs is refused on %o", (priority, gpus, fields) => {
    expect(queueJobRefusals(quota, priority, gpus).map((e) => e.field)).toEqual(fields);
  });

  it("bounds nothing for a team without a cap, and grants a class given any GPU-hours", () => {
    expect(queueJobRefusals({ gpuHoursPerWeek: { critical: 5 } }, "critical", 64)).toEqual([]);
  });
});
