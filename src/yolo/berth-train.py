#!/usr/bin/env python3
"""Berth's trainer entrypoint: `yolo detect train` plus what a preemptible run needs.

Runs inside the training image the user chose (ultralytics by default), mounted from the
berth-trainer ConfigMap. Arguments are ultralytics' own `key=value` pairs.

- SIGTERM (preemption, end of a reservation window): the stock trainer ignores it and writes
  last.pt once per epoch, so a preempted run would lose up to an epoch. Here a callback saves
  last.pt at the next batch boundary and exits 143, well inside terminationGracePeriodSeconds;
  the resumed run trains the interrupted epoch again from its start with those weights.
  (Multi-GPU runs train in DDP child processes that do not get these callbacks: they lose up to
  an epoch, which the Job's berth.dev/checkpoint-every annotation says.)
- Resume: when project/name/weights/last.pt exists (or the checkpoint `resume=PATH` names, which
  Berth passes to a run admitted again), training resumes from it (resume=True); a run stopped in
  its first epoch left none, and the next one starts afresh.
- Exports: best.pt to ONNX FP32 and FP16 (FP16 export needs the GPU) as best-fp32.onnx and
  best-fp16.onnx beside the run, so neither overwrites the other.
Exit codes: 0 done, 143 checkpointed on SIGTERM, 2 bad arguments, 1 anything else.
"""

import os
import shutil
import signal
import sys
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_AUTOINSTALL", "false")

stop_requested = False


def on_sigterm(signum, frame):
    global stop_requested
    stop_requested = True
    print("berth-train: SIGTERM received, checkpointing at the next batch", flush=True)


def typed(v: str):
    """`yolo`'s own command line turns numbers and booleans into values; so do we."""
    if v in ("True", "False"):
        return v == "True"
    for kind in (int, float):
        try:
            return kind(v)
        except ValueError:
            pass
    return v


def parse(argv):
    args = {}
    for a in argv:
        if "=" not in a:
            print(f"berth-train: expected key=value, got {a!r}", file=sys.stderr)
            sys.exit(2)
        k, v = a.split("=", 1)
        args[k] = typed(v)
    for required in ("model", "data", "project", "name"):
        if required not in args:
            print(f"berth-train: missing {required}=", file=sys.stderr)
            sys.exit(2)
    return args


def checkpoint_on_sigterm(trainer):
    if not stop_requested:
        return
    if trainer.epoch == 0:
        # Nothing finished yet: no checkpoint, so the next run starts afresh with the same arguments
        # (a checkpoint numbered -1 would read as a finished training to ultralytics' resume).
        print("berth-train: stopped in the first epoch, nothing to checkpoint", flush=True)
        sys.exit(143)
    # Ultralytics resumes at the epoch after the one a checkpoint names; naming the previous one makes
    # the resumed run train the interrupted epoch again from its start, with the weights and optimizer
    # as they were at the signal: the epoch's remaining batches are not skipped (a GPU run showed the
    # interrupted epoch missing from results.csv when the checkpoint named it).
    trainer.epoch -= 1
    trainer.save_model()  # writes last.pt (weights, optimizer, epoch) for resume=True
    print(f"berth-train: saved {trainer.last}", flush=True)
    sys.exit(143)


def is_fp16(path) -> bool:
    import onnx

    return any(i.data_type == onnx.TensorProto.FLOAT16 for i in onnx.load(str(path)).graph.initializer)


def export_onnx(best: Path, imgsz: int, device: str):
    from ultralytics import YOLO

    out = best.parent.parent / "export"
    out.mkdir(parents=True, exist_ok=True)
    for name, half in (("best-fp32.onnx", False), ("best-fp16.onnx", True)):
        path = YOLO(str(best)).export(format="onnx", imgsz=imgsz, half=half, device=device.split(",")[0],
                                      dynamic=False, simplify=False)
        if half and not is_fp16(path):
            # Ultralytics quietly exports FP32 when half=True meets a CPU device; an "FP16" file
            # that is FP32 would make the A/B check compare FP32 with itself.
            print("berth-train: the FP16 export came out FP32 (it needs a GPU); not writing best-fp16.onnx",
                  file=sys.stderr)
            sys.exit(1)
        shutil.move(path, out / name)
        print(f"berth-train: exported {out / name}", flush=True)


def main():
    signal.signal(signal.SIGTERM, on_sigterm)
    args = parse(sys.argv[1:])
    from ultralytics import YOLO

    run = Path(args["project"]) / args["name"]
    asked = args.pop("resume", None)
    last = Path(asked) if isinstance(asked, str) else run / "weights" / "last.pt"
    if last.is_file():
        print(f"berth-train: resuming from {last}", flush=True)
        model = YOLO(str(last))
        model.add_callback("on_train_batch_end", checkpoint_on_sigterm)
        model.train(resume=True)
    else:
        model = YOLO(args.pop("model"))
        model.add_callback("on_train_batch_end", checkpoint_on_sigterm)
        model.train(**args)
    best = run / "weights" / "best.pt"
    export_onnx(best if best.is_file() else last, int(args.get("imgsz", 640)), str(args.get("device", "0")))


if __name__ == "__main__":
    main()
