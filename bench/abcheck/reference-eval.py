"""Times pycocotools and faster-coco-eval on the same files as Berth's evaluator benchmark.

Prints one JSON line per tool: {"tool", "seconds", "stats"}; seconds cover loading the two JSON
files, evaluate(), accumulate() and summarize(), as Berth's timing does.
"""
import contextlib
import io
import json
import sys
import time

gt_path, dt_path = sys.argv[1], sys.argv[2]
tools = sys.argv[3].split(",") if len(sys.argv) > 3 else ["pycocotools", "faster-coco-eval"]

for tool in tools:
    if tool == "pycocotools":
        from pycocotools.coco import COCO
        from pycocotools.cocoeval import COCOeval as Eval
    else:
        from faster_coco_eval import COCO
        from faster_coco_eval import COCOeval_faster as Eval
    t = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        gt = COCO(gt_path)
        dt = gt.loadRes(dt_path)
        ev = Eval(gt, dt, "bbox")
        ev.evaluate()
        ev.accumulate()
        ev.summarize()
    seconds = time.perf_counter() - t
    print(json.dumps({"tool": tool, "seconds": seconds, "stats": [float(s) for s in ev.stats]}), flush=True)
