"""Reference YOLO pipeline in Python onnxruntime + numpy, for the cross-check with Berth.

Input: model path, a raw float32 file of N letterboxed CHW inputs (written by the test), and a JSON
file with each image's geometry. Runs the model in Python onnxruntime, decodes the YOLOv8 output
([1, 4+nc, N]) with multi-label candidates above conf, class-aware greedy NMS at IoU, top max_det,
and undoes the letterbox. Writes the raw outputs (float32) and prints detections as JSON.
An implementation of its own (numpy), so agreement means something.
"""
import json
import sys

import numpy as np
import onnxruntime as ort

model, inputs_path, meta_path, raw_out = sys.argv[1:5]
meta = json.loads(open(meta_path).read())
conf, iou_thr, max_det = meta["conf"], meta["iou"], meta["maxDet"]
opts = ort.SessionOptions()
opts.intra_op_num_threads = 1
sess = ort.InferenceSession(model, opts, providers=["CPUExecutionProvider"])
inp = sess.get_inputs()[0]
_, _, h, w = inp.shape
dtype = np.float16 if inp.type == "tensor(float16)" else np.float32
x_all = np.fromfile(inputs_path, dtype=np.float32).reshape(-1, 3, h, w)


def nms(boxes, scores, thr):
    order = np.argsort(-scores, kind="stable")
    keep = []
    while order.size:
        i = order[0]
        keep.append(i)
        rest = order[1:]
        xx1 = np.maximum(boxes[i, 0], boxes[rest, 0])
        yy1 = np.maximum(boxes[i, 1], boxes[rest, 1])
        xx2 = np.minimum(boxes[i, 2], boxes[rest, 2])
        yy2 = np.minimum(boxes[i, 3], boxes[rest, 3])
        inter = np.clip(xx2 - xx1, 0, None) * np.clip(yy2 - yy1, 0, None)
        area = lambda b: (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
        ious = inter / (area(boxes[i]) + area(boxes[rest]) - inter)
        order = rest[ious <= thr]
    return keep


raws = []
dets = []
for x, m in zip(x_all, meta["images"]):
    out = sess.run(None, {inp.name: x[None].astype(dtype)})[0].astype(np.float32)
    raws.append(out.ravel())
    p = out[0].astype(np.float64)  # [4+nc, N]
    nc = p.shape[0] - 4
    cx, cy, bw, bh = p[0], p[1], p[2], p[3]
    xyxy = np.stack([cx - bw / 2, cy - bh / 2, cx + bw / 2, cy + bh / 2], 1)
    anchor, cls = np.nonzero(p[4:].T > conf)
    boxes, scores = xyxy[anchor], p[4:].T[anchor, cls]
    kept = []
    for c in np.unique(cls):
        idx = np.nonzero(cls == c)[0]
        kept += [int(idx[k]) for k in nms(boxes[idx], scores[idx], iou_thr)]
    kept.sort(key=lambda k: -scores[k])
    kept = kept[:max_det]
    g, pl, pt = m["gain"], m["padLeft"], m["padTop"]
    for k in kept:
        x1 = min(max((boxes[k, 0] - pl) / g, 0), m["width"])
        y1 = min(max((boxes[k, 1] - pt) / g, 0), m["height"])
        x2 = min(max((boxes[k, 2] - pl) / g, 0), m["width"])
        y2 = min(max((boxes[k, 3] - pt) / g, 0), m["height"])
        dets.append({"image_id": m["id"], "category_id": m["categoryIds"][int(cls[k])],
                     "bbox": [x1, y1, x2 - x1, y2 - y1], "score": float(scores[k])})
np.concatenate(raws).astype(np.float32).tofile(raw_out)
print(json.dumps(dets))
