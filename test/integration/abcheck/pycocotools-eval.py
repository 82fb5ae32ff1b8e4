"""Scores COCO detections with pycocotools and prints {"stats", "perCategory"} as JSON.

Test-only reference for Berth's evaluator (run from the venv scripts/setup-test-deps.sh makes).
Per-category AP is the mean of precision[:, :, k, area=all, maxDets=100] over defined cells, -1 if none.
"""
import contextlib
import io
import json
import sys

import numpy as np
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

gt_path, dt_path = sys.argv[1], sys.argv[2]
with contextlib.redirect_stdout(io.StringIO()):
    gt = COCO(gt_path)
    dt = gt.loadRes(dt_path)
    ev = COCOeval(gt, dt, "bbox")
    ev.evaluate()
    ev.accumulate()
    ev.summarize()
precision = ev.eval["precision"]
per_category = []
for k, cat_id in enumerate(ev.params.catIds):
    p = precision[:, :, k, 0, -1]
    p = p[p > -1]
    per_category.append({"categoryId": int(cat_id), "ap": float(np.mean(p)) if p.size else -1.0})
print(json.dumps({"stats": [float(s) for s in ev.stats], "perCategory": per_category}))
