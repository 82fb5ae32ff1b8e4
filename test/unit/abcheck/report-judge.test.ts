// Berth's own verdict on an A/B report: the numbers of a whole report or of a pod's summary, judged
// by the default gate (0.5 points over at least 500 images); GPU arithmetic alone unlocks fp16,
// and the verdict a report carries is never read.
import { describe, expect, it } from "vitest";
import { abNumbers, judgeAbNumbers } from "../../../src/abcheck/report-judge.ts";

const whole = {
  images: 520,
  provider: "cuda",
  fp32: { map5095: 0.5 },
  fp16: { map5095: 0.497 },
  passed: false,
};
const summary = { images: 520, provider: "cuda", map5095: { fp32: 0.5, fp16: 0.497 }, passed: false };

describe("judging an A/B report", () => {
  it("reads the same numbers from a whole report and from a pod's summary", () => {
    const expected = { images: 520, provider: "cuda", fp32Map5095: 0.5, fp16Map5095: 0.497 };
    expect(abNumbers(whole)).toEqual(expected);
    expect(abNumbers(summary)).toEqual(expected);
  });

  it.each([
    ["no image count", { ...whole, images: undefined }, /image count/],
    ["no provider", { ...whole, provider: 3 }, /provider/],
    ["one precision's mAP missing", { ...whole, fp16: {} }, /both precisions/],
    ["not an object at all", "Killed", /image count/],
  ])("says what is missing when a report has %s", (_n, report, message) => {
    expect(abNumbers(report)).toMatch(message);
  });

  it.each([
    ["a 0.3-point drop on a GPU passes and unlocks fp16", 0.497, 520, "gpu", "passed", true, []],
    ["a 0.6-point drop fails", 0.494, 520, "gpu", "failed", false, [/drops 0\.60 points/]],
    ["too few images fail however close", 0.5, 499, "gpu", "failed", false, [/only 499 validation images/]],
    ["a CPU pass never unlocks fp16", 0.5, 520, "emulated-on-cpu", "passed", false, [/emulated on the CPU/]],
  ] as const)("%s", (_n, fp16, images, arithmetic, state, unlocks, reasons) => {
    const j = judgeAbNumbers({ images, provider: "cuda", fp32Map5095: 0.5, fp16Map5095: fp16 }, arithmetic);
    expect(j.state).toBe(state);
    expect(j.unlocksFp16).toBe(unlocks);
    expect(j.reasons).toEqual(reasons.map((r) => expect.stringMatching(r)));
  });
});
